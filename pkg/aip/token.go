package aip

import (
	"bytes"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

// maxTokenLen bounds the work spent on a page token before it is rejected.
const maxTokenLen = 8192

// token is the JSON document inside a page token.
type token struct {
	V []string `json:"v"` // order values of the last row, see encodeValue
	H []byte   `json:"h"` // checksum, see Query.checksum
}

// NextPageToken returns the token for the page after the row whose order
// values are given. last maps the column of every order key, tiebreak
// included, to that row's value; values may be strings, bools, integers,
// time.Time, types based on these, or driver.Valuers returning them. For Date
// columns a time.Time stands for its calendar date.
//
// Errors are programming errors in the repository, not client errors.
func (q Query) NextPageToken(last map[string]any) (string, error) {
	vals := make([]string, len(q.keys))
	for i, k := range q.keys {
		v, ok := last[k.column]
		if !ok {
			return "", fmt.Errorf("aip: NextPageToken: no value for order column %q", k.column)
		}
		var err error
		if vals[i], err = encodeValue(v, k.typ); err != nil {
			return "", fmt.Errorf("aip: NextPageToken: column %q: %w", k.column, err)
		}
	}
	doc, err := json.Marshal(token{V: vals, H: q.checksum(vals)})
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(doc), nil
}

// decodeToken returns the SQL values held by a page token made for a request
// with the same fingerprint.
func (q Query) decodeToken(s string) ([]any, error) {
	bad := &Error{"page_token", "does not belong to this request (filter, order_by and the other parameters " +
		"except page_size must stay the same between pages) or is damaged; start again without page_token"}
	if len(s) > maxTokenLen {
		return nil, bad
	}
	doc, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var t token
	if json.Unmarshal(doc, &t) != nil || len(t.V) != len(q.keys) || !bytes.Equal(t.H, q.checksum(t.V)) {
		return nil, bad
	}
	values := make([]any, len(t.V))
	for i, v := range t.V {
		if values[i], err = decodeValue(v); err != nil {
			return nil, bad
		}
	}
	return values, nil
}

// fingerprint identifies the request parameters a page token is valid for.
func fingerprint(filter, orderBy, scope string) string {
	b, _ := json.Marshal([]string{"aip.v1", filter, orderBy, scope})
	return string(b)
}

func (q Query) checksum(vals []string) []byte {
	b, _ := json.Marshal(vals)
	sum := sha256.Sum256(append([]byte(q.fingerprint+"\n"), b...))
	return sum[:16]
}

// encodeValue turns an order value into a type-tagged string that
// decodeValue turns back into the same SQL argument: "s:" string, "i:" int64,
// "b:" bool, "t:" time.Time (UTC, RFC 3339 with nanoseconds).
func encodeValue(v any, typ FieldType) (string, error) {
	if vr, ok := v.(driver.Valuer); ok {
		var err error
		if v, err = vr.Value(); err != nil {
			return "", err
		}
	}
	if t, ok := v.(time.Time); ok {
		if typ == Date {
			return "s:" + t.Format(time.DateOnly), nil
		}
		return "t:" + t.UTC().Format(time.RFC3339Nano), nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return "s:" + rv.String(), nil
	case reflect.Bool:
		return "b:" + strconv.FormatBool(rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "i:" + strconv.FormatInt(rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if rv.Uint() <= math.MaxInt64 {
			return "i:" + strconv.FormatUint(rv.Uint(), 10), nil
		}
	}
	return "", fmt.Errorf("unsupported value %#v (%T)", v, v)
}

func decodeValue(s string) (any, error) {
	if len(s) < 2 || s[1] != ':' {
		return nil, fmt.Errorf("malformed value %q", s)
	}
	switch body := s[2:]; s[0] {
	case 's':
		return body, nil
	case 'i':
		return strconv.ParseInt(body, 10, 64)
	case 'b':
		return strconv.ParseBool(body)
	case 't':
		return time.Parse(time.RFC3339Nano, body) // encoded in UTC ("Z"), so parsed in UTC
	}
	return nil, fmt.Errorf("malformed value %q", s)
}
