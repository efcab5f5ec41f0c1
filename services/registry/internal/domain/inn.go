package domain

import "github.com/nastavnik/nastavnik/platform/validation"

var innWeights = [9]int{2, 4, 10, 3, 5, 9, 4, 6, 8}

// CheckINN accepts the 10-digit taxpayer number of a legal entity whose last
// digit is its check digit (weights 2,4,10,3,5,9,4,6,8; sum mod 11 mod 10).
// Its error is a validation.Problem: inn_format or inn_checksum.
func CheckINN(inn string) error {
	if len(inn) != 10 {
		return validation.New("inn_format")
	}
	sum := 0
	for i := range 10 {
		c := inn[i]
		if c < '0' || c > '9' {
			return validation.New("inn_format")
		}
		if i < 9 {
			sum += int(c-'0') * innWeights[i]
		}
	}
	if byte(sum%11%10)+'0' != inn[9] {
		return validation.New("inn_checksum")
	}
	return nil
}

// INNCheckDigit returns the check digit completing a 9-digit INN prefix.
func INNCheckDigit(prefix string) byte {
	sum := 0
	for i := range 9 {
		sum += int(prefix[i]-'0') * innWeights[i]
	}
	return byte(sum%11%10) + '0'
}
