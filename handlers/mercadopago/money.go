package mercadopago

import "math"

// maxExactCents is the largest absolute number of centavos whose amount is
// exactly representable as a float64 integer before the division by 100.
const maxExactCents = 1 << 53

// CentsToAmount converts centavos to the decimal amount the API expects
// (12345 -> 123.45). The result is the float64 nearest to the exact decimal,
// so encoding/json prints it as the exact decimal ("123.45"), with no drift.
// Amounts beyond ±2^53 centavos are not representable exactly and are not
// expected in this application.
func CentsToAmount(cents int64) float64 {
	return float64(cents) / 100
}

// AmountToCents converts an API amount (123.45) to centavos (12345), rounding
// half away from zero to absorb the binary representation error of amounts
// like 0.1 or 1234.56. NaN converts to 0; ±Inf and out-of-range values
// saturate at ±2^53.
func AmountToCents(amount float64) int64 {
	if math.IsNaN(amount) {
		return 0
	}
	c := math.Round(amount * 100)
	switch {
	case c > maxExactCents:
		return maxExactCents
	case c < -maxExactCents:
		return -maxExactCents
	}
	return int64(c)
}
