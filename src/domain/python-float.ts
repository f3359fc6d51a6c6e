/**
 * Writes a number as Python writes a float with `str()`, `repr()` or an f-string: the
 * shortest digits that read back as the same float (the digits JavaScript prints too), in
 * Python's notation: always a decimal point or an exponent (`3.0`, not `3`); an exponent
 * when the number is below 1e-4 or at least 1e16, with a sign and at least two digits
 * (`1e-05`, `1e+16`, `1.2345678901234568e+20`); `-0.0`, `inf`, `-inf` and `nan`.
 *
 * @param value - Any number.
 * @returns Python's `repr(float(value))`.
 * @example
 * pythonFloatRepr(4.2); // "4.2"
 * pythonFloatRepr(3); // "3.0"
 * pythonFloatRepr(0.00001); // "1e-05"
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  // toExponential() without places gives the shortest round-trip digits, as repr does.
  const [mantissa = "0", power = "0"] = Math.abs(value).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(power);
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const exponentDigits = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${fraction}e${exponent < 0 ? "-" : "+"}${exponentDigits}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  return `${sign}${whole}.${digits.slice(exponent + 1) || "0"}`;
}
