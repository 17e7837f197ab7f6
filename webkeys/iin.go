package webkeys

import (
	"errors"
	"time"

	"github.com/opennca/nca/kzid"
)

// IINCheck is the offline check of an IIN: its format, check digit and the birth
// date and sex it encodes.
type IINCheck struct {
	Valid bool `json:"valid"`
	// Message says what is wrong, as a sentence for the user; "" when Valid.
	Message   string `json:"message"`
	BirthDate string `json:"birthDate"` // YYYY-MM-DD when Valid
	Age       int    `json:"age"`       // full years on the day checked
	Sex       string `json:"sex"`       // "male" or "female" when Valid
}

// CheckIIN checks iin on day now.
func CheckIIN(iin string, now time.Time) IINCheck {
	id, err := kzid.ParseIIN(iin)
	if err != nil {
		msg := "The IIN is not valid."
		switch {
		case errors.Is(err, kzid.ErrFormat):
			msg = "An IIN is exactly 12 digits."
		case errors.Is(err, kzid.ErrChecksum):
			msg = "The IIN's check digit does not match: check it for a typing error."
		case errors.Is(err, kzid.ErrDate):
			msg = "The IIN does not begin with a valid birth date."
		case errors.Is(err, kzid.ErrCode):
			msg = "The IIN's seventh digit (century and sex) is not valid."
		}
		return IINCheck{Message: msg}
	}
	return IINCheck{Valid: true, BirthDate: id.BirthDate.Format(time.DateOnly), Age: id.AgeOn(now), Sex: string(id.Sex)}
}
