// Package customer is the portfolio domain (管户): customers, the managers who serve
// them, capacity per manager, handover and the assignment history. It has no I/O.
package customer

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

// Errors of the portfolio domain; messages wrap them with the specifics.
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	ErrInvalid       = errors.New("invalid") // a value breaks a rule (InvalidArgument)
	// ErrOverCapacity: a manager would hold more primary customers than their line
	// allows (FailedPrecondition).
	ErrOverCapacity = errors.New("over capacity")
	// ErrIllegalState: the change is not possible in the current state, e.g. an
	// inactive manager would receive customers (FailedPrecondition).
	ErrIllegalState     = errors.New("not possible now")
	ErrPermissionDenied = errors.New("permission denied")
)

// Kind is what kind of customer; the numbers match the wire enum.
type Kind int

// Kinds.
const (
	RetailOutlet Kind = 1 // 零售网点 / 商户
	Individual   Kind = 2 // 个人
	Corporate    Kind = 3 // 公司
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k >= RetailOutlet && k <= Corporate }

func (k Kind) String() string {
	switch k {
	case RetailOutlet:
		return "KIND_RETAIL_OUTLET"
	case Individual:
		return "KIND_INDIVIDUAL"
	case Corporate:
		return "KIND_CORPORATE"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// AreaType is where the customer is, which sets how often it is visited; the
// numbers match the wire enum.
type AreaType int

// Area types.
const (
	Urban   AreaType = 1 // 城区
	Town    AreaType = 2 // 乡镇
	Village AreaType = 3 // 农村 / 行政村
)

// Valid reports whether a is a known area type.
func (a AreaType) Valid() bool { return a >= Urban && a <= Village }

// VisitMethod is how the customer is usually visited; 0 is not set. The numbers
// match the wire enum.
type VisitMethod int

// Visit methods.
const (
	InPerson VisitMethod = 1 // 实地走访
	Phone    VisitMethod = 2 // 电话
	Online   VisitMethod = 3 // 线上
)

// Valid reports whether v is unset or a known method.
func (v VisitMethod) Valid() bool { return v >= 0 && v <= Online }

// Location is a point on the map (WGS 84 degrees).
type Location struct {
	Lat, Lng float64
}

// Customer is one customer and who serves it.
type Customer struct {
	ID               string // the customer code
	DisplayName      string
	Kind             Kind
	Classification   string
	Address          string
	Location         *Location // nil when unknown
	AreaType         AreaType
	VisitMethod      VisitMethod
	PrimaryManagerID string
	BackupManagerID  string     // "" for none
	AssignmentStart  civil.Date // the day the primary manager took the customer over
	// OrgUnitID and OrgPath are the primary manager's org unit, read with the record.
	OrgUnitID  string
	OrgPath    string
	Revision   int64
	CreateTime time.Time
	UpdateTime time.Time
}

// Etag is an opaque tag of the record's revision.
func (c Customer) Etag() string { return fmt.Sprintf("c%d", c.Revision) }

// Assignment is one period of a customer with one primary (and optional backup)
// manager.
type Assignment struct {
	CustomerID       string
	PrimaryManagerID string
	BackupManagerID  string
	Start            civil.Date
	End              civil.Date // the day after the last day; zero while current
	Reason           string
	RecordedBy       string
	RecordTime       time.Time
}

// Limits of the customer's text fields.
const (
	MaxDisplayName    = 100
	MaxClassification = 16
	MaxAddress        = 200
)

var codePattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)

// The checks below say what is wrong with one value, in words for the person who
// typed it; the API's validation and the import both use them. They answer nil when
// the value is fine.

// CheckCode checks a customer code (the id in customers/{id}).
func CheckCode(code string) error {
	switch {
	case code == "":
		return errors.New("is required: the customer's code, 1 to 32 letters, digits and hyphens")
	case !codePattern.MatchString(code):
		return fmt.Errorf("%q is not a valid customer code: use 1 to 32 letters, digits and hyphens", code)
	}
	return nil
}

// CheckDisplayName checks a (trimmed) customer name.
func CheckDisplayName(name string) error {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return errors.New("is required and must not be blank")
	case n > MaxDisplayName:
		return fmt.Errorf("is %d characters long; the limit is %d", n, MaxDisplayName)
	}
	return nil
}

// CheckClassification checks a (trimmed) classification.
func CheckClassification(s string) error {
	if n := utf8.RuneCountInString(s); n > MaxClassification {
		return fmt.Errorf("is %d characters long; the limit is %d (use a short code such as A, B, C or 高端)", n, MaxClassification)
	}
	return nil
}

// CheckAddress checks a (trimmed) address.
func CheckAddress(s string) error {
	if n := utf8.RuneCountInString(s); n > MaxAddress {
		return fmt.Errorf("is %d characters long; the limit is %d", n, MaxAddress)
	}
	return nil
}

// CheckLatitude checks a latitude in degrees.
func CheckLatitude(lat float64) error {
	if !(lat >= -90 && lat <= 90) { // also refuses NaN
		return fmt.Errorf("%v is not a latitude: want degrees from -90 to 90, e.g. 31.2304", lat)
	}
	return nil
}

// CheckLongitude checks a longitude in degrees.
func CheckLongitude(lng float64) error {
	if !(lng >= -180 && lng <= 180) {
		return fmt.Errorf("%v is not a longitude: want degrees from -180 to 180, e.g. 121.4737", lng)
	}
	return nil
}

// Trim normalises the text fields the way they are stored.
func (c *Customer) Trim() {
	c.DisplayName = strings.TrimSpace(c.DisplayName)
	c.Classification = strings.TrimSpace(c.Classification)
	c.Address = strings.TrimSpace(c.Address)
}
