-- A claimed notification whose outcome was never recorded (the sender was killed between sending
-- and writing the result) is "in doubt": before sending it again, a channel that can look
-- (the inverter_alerts topic) checks whether the earlier attempt got through.
-- sending_since is set by the claim and cleared with the outcome.
ALTER TABLE notification_outbox ADD COLUMN sending_since timestamptz;
