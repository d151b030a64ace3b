-- The steps running now, by asset and partition: a step about to start looks here for another
-- run already materializing the same asset and partition (one at a time; batch-jobs step-executor).
CREATE INDEX job_steps_running ON job_steps (asset_key, partition_key) WHERE status = 'running';
