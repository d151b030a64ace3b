"""Reads a simulated inverter with pymodbus (Debian python3-pymodbus 3.x) and decodes
SunSpec models 1, 103 and 160 on its own (no project code; offsets from the SunSpec
model tables): prints one JSON object."""
import json
import sys

from pymodbus.client import ModbusTcpClient

host, port, unit, base = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
client = ModbusTcpClient(host, port=port, timeout=3)
if not client.connect():
    sys.exit("connect failed")


def read(address, count):
    r = client.read_holding_registers(address, count, slave=unit)
    if r.isError():
        sys.exit(f"read {address}+{count}: {r}")
    return r.registers


def text(regs):
    raw = b"".join(r.to_bytes(2, "big") for r in regs)
    return raw.split(b"\0")[0].decode("latin-1").rstrip()


def s16(v):
    return v - 0x10000 if v >= 0x8000 else v


def scaled(raw, sf, signed=False):
    raw = s16(raw) if signed else raw
    sf = s16(sf)
    return raw / 10 ** -sf if sf < 0 else raw * 10 ** sf


sun = read(base, 2)
common = read(base + 2, 68)
assert common[0] == 1 and common[1] == 66, common[:2]
inv = read(base + 70, 52)
out = {
    "marker": "".join(r.to_bytes(2, "big").decode("ascii") for r in sun),
    "Mn": text(common[2:18]),
    "Md": text(common[18:34]),
    "Vr": text(common[42:50]),
    "SN": text(common[50:66]),
    "model": inv[0],
    "length": inv[1],
    "ac_current_a": scaled(inv[2], inv[6]),
    "ac_voltage_v": scaled(inv[10], inv[13]),
    "ac_power_w": scaled(inv[14], inv[15], signed=True),
    "ac_frequency_hz": scaled(inv[16], inv[17]),
    "ac_energy_wh": scaled((inv[24] << 16) | inv[25], inv[26]),
    "dc_current_a": scaled(inv[27], inv[28]),
    "dc_voltage_v": scaled(inv[29], inv[30]),
    "dc_power_w": scaled(inv[31], inv[32], signed=True),
    "temperature_c": scaled(inv[33], inv[37], signed=True),
    "heatsink_temperature_c": scaled(inv[34], inv[37], signed=True),
    "operating_state": inv[38],
    "events": (inv[40] << 16) | inv[41],
}
# The model after the inverter (its ID register at inverter + 2 + L): model 160, 10 fixed
# registers then N modules of 20 (ID +0, DCA +9, DCV +10, DCW +11), scale factors at +2/+3/+4.
mppt_at = base + 70 + 2 + inv[1]
head = read(mppt_at, 2)
out["next_model"] = head[0]
if head[0] == 160:
    mppt = head + read(mppt_at + 2, head[1])
    for k in range(min(mppt[8], (head[1] - 8) // 20)):
        m = 10 + 20 * k
        out[f"mppt{k + 1}_dc_current_a"] = scaled(mppt[m + 9], mppt[2])
        out[f"mppt{k + 1}_dc_voltage_v"] = scaled(mppt[m + 10], mppt[3])
        out[f"mppt{k + 1}_dc_power_w"] = scaled(mppt[m + 11], mppt[4])
client.close()
print(json.dumps(out))
