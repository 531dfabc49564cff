// Package pbjson writes protobuf messages as JSON in the canonical proto3 JSON
// mapping, the same output protojson gives with its default options (lowerCamelCase
// names, unset fields left out, enums by name, 64-bit integers as strings, the
// well-known types in their special forms), several times faster.
//
// protojson walks every message through a generic, order-sorting encoder; the REST
// gateway spends most of its time there on list responses. This encoder keeps, per
// message type, a plan of its fields with their JSON names already quoted, ranges
// over set fields only, and writes into one growing buffer. Anything it does not
// special-case (google.protobuf.Any) is handed to protojson, so the output is
// always the canonical mapping. The tests hold it to protojson's output over every
// message type of the suite's API, filled with random values.
package pbjson

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Marshal returns m in the canonical JSON mapping (as protojson.Marshal does).
func Marshal(m proto.Message) ([]byte, error) {
	if m == nil {
		return []byte("{}"), nil
	}
	r := m.ProtoReflect()
	p := planOf(r.Descriptor())
	// Start from about the size this type's last message took, so that a page
	// of records is not copied through a dozen doublings of the buffer.
	b, err := appendMessage(make([]byte, 0, max(512, int(p.lastSize.Load()))), r)
	if err == nil {
		p.lastSize.Store(int64(len(b) + len(b)/8))
	}
	return b, err
}

// Append appends m's JSON to b.
func Append(b []byte, m proto.Message) ([]byte, error) {
	if m == nil {
		return append(b, "{}"...), nil
	}
	return appendMessage(b, m.ProtoReflect())
}

// plan is what the encoder knows about one message type.
type plan struct {
	kind       wellKnown
	extendable bool         // has extension ranges: left to protojson, which writes extensions
	fields     []field      // by the field's index in its message
	lastSize   atomic.Int64 // a little over the last Marshal's output of this type: the next one's starting capacity
}

// field is one field's encoder data: its quoted name with the colon, ready to append.
type field struct {
	key      []byte // `"jsonName":`
	fd       protoreflect.FieldDescriptor
	isMap    bool
	list     bool
	implicit bool // a singular scalar without presence: set when not its zero value
}

type wellKnown int

const (
	plain wellKnown = iota
	timestampType
	durationType
	fieldMaskType
	wrapperType
	structType
	valueType
	listValueType
	emptyType
	viaProtojson // google.protobuf.Any and anything else left to protojson
)

var plans sync.Map // protoreflect.MessageDescriptor → *plan

func planOf(md protoreflect.MessageDescriptor) *plan {
	if p, ok := plans.Load(md); ok {
		return p.(*plan)
	}
	fds := md.Fields()
	p := &plan{kind: kindOf(md), extendable: md.ExtensionRanges().Len() > 0, fields: make([]field, fds.Len())}
	for i := range fds.Len() {
		fd := fds.Get(i)
		key := strconv.AppendQuote(nil, fd.JSONName())
		p.fields[i] = field{key: append(key, ':'), fd: fd, isMap: fd.IsMap(), list: fd.IsList(),
			implicit: !fd.HasPresence() && !fd.IsList() && !fd.IsMap() && fd.Message() == nil}
	}
	actual, _ := plans.LoadOrStore(md, p)
	return actual.(*plan)
}

func kindOf(md protoreflect.MessageDescriptor) wellKnown {
	if md.ParentFile() == nil || md.ParentFile().Package() != "google.protobuf" {
		return plain
	}
	switch md.Name() {
	case "Timestamp":
		return timestampType
	case "Duration":
		return durationType
	case "FieldMask":
		return fieldMaskType
	case "DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value", "UInt32Value",
		"BoolValue", "StringValue", "BytesValue":
		return wrapperType
	case "Struct":
		return structType
	case "Value":
		return valueType
	case "ListValue":
		return listValueType
	case "Empty":
		return emptyType
	default:
		return viaProtojson
	}
}

func appendMessage(b []byte, m protoreflect.Message) ([]byte, error) {
	p := planOf(m.Descriptor())
	switch p.kind {
	case plain:
	case timestampType:
		return appendTimestamp(b, m)
	case durationType:
		return appendDuration(b, m)
	case fieldMaskType:
		return appendFieldMask(b, m)
	case wrapperType:
		fd := m.Descriptor().Fields().ByNumber(1)
		return appendSingular(b, fd, m.Get(fd))
	case structType:
		fd := m.Descriptor().Fields().ByNumber(1)
		return appendMap(b, fd, m.Get(fd).Map())
	case valueType:
		return appendValue(b, m)
	case listValueType:
		fd := m.Descriptor().Fields().ByNumber(1)
		return appendList(b, fd, m.Get(fd).List())
	case emptyType:
		return append(b, "{}"...), nil
	default:
		out, err := protojson.Marshal(m.Interface())
		return append(b, out...), err
	}
	if p.extendable {
		out, err := protojson.Marshal(m.Interface())
		return append(b, out...), err
	}
	b = append(b, '{')
	first := true
	var err error
	for i := range p.fields {
		f := &p.fields[i]
		var v protoreflect.Value
		switch {
		case f.implicit: // one reflective call instead of Has and Get
			if v = m.Get(f.fd); isZero(f.fd.Kind(), v) {
				continue
			}
		case f.list:
			if v = m.Get(f.fd); v.List().Len() == 0 {
				continue
			}
		case f.isMap:
			if v = m.Get(f.fd); v.Map().Len() == 0 {
				continue
			}
		default:
			if !m.Has(f.fd) {
				continue
			}
			v = m.Get(f.fd)
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, f.key...)
		switch {
		case f.isMap:
			b, err = appendMap(b, f.fd, v.Map())
		case f.list:
			b, err = appendList(b, f.fd, v.List())
		default:
			b, err = appendSingular(b, f.fd, v)
		}
		if err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// isZero reports whether v is the zero value of a scalar of kind k, as Has sees
// it for a field without presence (a float is zero only as +0, not -0).
func isZero(k protoreflect.Kind, v protoreflect.Value) bool {
	switch k {
	case protoreflect.BoolKind:
		return !v.Bool()
	case protoreflect.EnumKind:
		return v.Enum() == 0
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return v.Int() == 0
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return v.Uint() == 0
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return math.Float64bits(v.Float()) == 0
	case protoreflect.StringKind:
		return v.String() == ""
	case protoreflect.BytesKind:
		return len(v.Bytes()) == 0
	}
	return false
}

func appendList(b []byte, fd protoreflect.FieldDescriptor, l protoreflect.List) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i := range l.Len() {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendSingular(b, fd, l.Get(i)); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func appendMap(b []byte, fd protoreflect.FieldDescriptor, m protoreflect.Map) ([]byte, error) {
	keys := make([]protoreflect.MapKey, 0, m.Len())
	m.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	sortKeys(keys)
	b = append(b, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendString(b, k.String()); err != nil {
			return b, err
		}
		b = append(b, ':')
		if b, err = appendSingular(b, fd.MapValue(), m.Get(k)); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// sortKeys orders map keys as protojson does: numbers numerically, bools false
// first, strings bytewise.
func sortKeys(keys []protoreflect.MapKey) {
	less := func(a, b protoreflect.MapKey) bool {
		switch x := a.Interface().(type) {
		case bool:
			return !x && b.Bool()
		case int32, int64:
			return a.Int() < b.Int()
		case uint32, uint64:
			return a.Uint() < b.Uint()
		default:
			return a.String() < b.String()
		}
	}
	for i := 1; i < len(keys); i++ { // maps in API messages are small
		for j := i; j > 0 && less(keys[j], keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

func appendSingular(b []byte, fd protoreflect.FieldDescriptor, v protoreflect.Value) ([]byte, error) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return appendString(b, v.String())
	case protoreflect.BoolKind:
		return strconv.AppendBool(b, v.Bool()), nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		b = append(b, '"')
		return append(strconv.AppendInt(b, v.Int(), 10), '"'), nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		b = append(b, '"')
		return append(strconv.AppendUint(b, v.Uint(), 10), '"'), nil
	case protoreflect.FloatKind:
		return appendFloat(b, v.Float(), 32), nil
	case protoreflect.DoubleKind:
		return appendFloat(b, v.Float(), 64), nil
	case protoreflect.BytesKind:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, v.Bytes())
		return append(b, '"'), nil
	case protoreflect.EnumKind:
		if fd.Enum().FullName() == "google.protobuf.NullValue" {
			return append(b, "null"...), nil
		}
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			b = append(b, '"')
			b = append(b, ev.Name()...)
			return append(b, '"'), nil
		}
		return strconv.AppendInt(b, int64(v.Enum()), 10), nil
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return appendMessage(b, v.Message())
	}
	return b, fmt.Errorf("pbjson: %v has an unknown kind %v", fd.FullName(), fd.Kind())
}

// appendFloat formats n as protojson does (encoding/json's rules for exponents).
func appendFloat(b []byte, n float64, bits int) []byte {
	switch {
	case math.IsNaN(n):
		return append(b, `"NaN"`...)
	case math.IsInf(n, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(n, -1):
		return append(b, `"-Infinity"`...)
	}
	format := byte('f')
	if abs := math.Abs(n); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, n, format, -1, bits)
	if format == 'e' { // e-07 → e-7
		if l := len(b); l >= 4 && b[l-4] == 'e' && b[l-3] == '-' && b[l-2] == '0' {
			b[l-2] = b[l-1]
			b = b[:l-1]
		}
	}
	return b
}

var errInvalidUTF8 = errors.New("pbjson: string field contains invalid UTF-8")

const hexDigits = "0123456789abcdef"

// appendString quotes s, escaping what JSON requires (and nothing else, as protojson).
func appendString(b []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return b, errInvalidUTF8
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= ' ' && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"'), nil
}

// The valid range of google.protobuf.Timestamp: 0001-01-01 to 9999-12-31.
const (
	minTimestamp = -62135596800
	maxTimestamp = 253402300799
)

func secondsNanos(m protoreflect.Message) (int64, int32) {
	fds := m.Descriptor().Fields()
	return m.Get(fds.ByNumber(1)).Int(), int32(m.Get(fds.ByNumber(2)).Int())
}

func appendTimestamp(b []byte, m protoreflect.Message) ([]byte, error) {
	secs, nanos := secondsNanos(m)
	if secs < minTimestamp || secs > maxTimestamp {
		return b, fmt.Errorf("pbjson: %v: seconds out of range %v", m.Descriptor().FullName(), secs)
	}
	if nanos < 0 || nanos > 999999999 {
		return b, fmt.Errorf("pbjson: %v: nanos out of range %v", m.Descriptor().FullName(), nanos)
	}
	b = append(b, '"')
	b = appendDateTime(b, secs)
	b = appendNanos(b, nanos)
	return append(b, 'Z', '"'), nil
}

// appendDateTime writes secs since the Unix epoch as YYYY-MM-DDThh:mm:ss (UTC).
func appendDateTime(b []byte, secs int64) []byte {
	days, rem := secs/86400, secs%86400
	if rem < 0 {
		days, rem = days-1, rem+86400
	}
	y, m, d := civilFromDays(days)
	b = pad(b, int(y), 4)
	b = append(b, '-')
	b = pad(b, int(m), 2)
	b = append(b, '-')
	b = pad(b, int(d), 2)
	b = append(b, 'T')
	b = pad(b, int(rem/3600), 2)
	b = append(b, ':')
	b = pad(b, int(rem/60%60), 2)
	b = append(b, ':')
	return pad(b, int(rem%60), 2)
}

// civilFromDays converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days-to-civil algorithm).
func civilFromDays(z int64) (int64, int64, int64) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// pad writes v (0 ≤ v) with leading zeros to width digits.
func pad(b []byte, v, width int) []byte {
	for limit := pow10(width - 1); limit > 1 && v < limit; limit /= 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(v), 10)
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

// appendNanos writes a fraction of 0, 3, 6 or 9 digits, as protojson does.
func appendNanos(b []byte, nanos int32) []byte {
	if nanos == 0 {
		return b
	}
	digits := 9
	switch {
	case nanos%1000000 == 0:
		nanos, digits = nanos/1000000, 3
	case nanos%1000 == 0:
		nanos, digits = nanos/1000, 6
	}
	b = append(b, '.')
	s := strconv.Itoa(int(nanos))
	for range digits - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}

// The valid range of google.protobuf.Duration: ±10,000 years.
const maxDurationSeconds = 315576000000

func appendDuration(b []byte, m protoreflect.Message) ([]byte, error) {
	secs, nanos := secondsNanos(m)
	if secs < -maxDurationSeconds || secs > maxDurationSeconds {
		return b, fmt.Errorf("pbjson: %v: seconds out of range %v", m.Descriptor().FullName(), secs)
	}
	if nanos <= -1e9 || nanos >= 1e9 || (secs > 0 && nanos < 0) || (secs < 0 && nanos > 0) {
		return b, fmt.Errorf("pbjson: %v: (seconds: %v, nanos: %v) do not agree", m.Descriptor().FullName(), secs, nanos)
	}
	b = append(b, '"')
	if secs < 0 || nanos < 0 {
		b = append(b, '-')
		secs, nanos = -secs, -nanos
	}
	b = strconv.AppendInt(b, secs, 10)
	b = appendNanos(b, nanos)
	return append(b, 's', '"'), nil
}

func appendFieldMask(b []byte, m protoreflect.Message) ([]byte, error) {
	paths := m.Get(m.Descriptor().Fields().ByNumber(1)).List()
	parts := make([]string, paths.Len())
	for i := range paths.Len() {
		p := paths.Get(i).String()
		camel := lowerCamel(p)
		if !protoreflect.FullName(p).IsValid() || snake(camel) != p { // not representable in JSON: protojson's error
			out, err := protojson.Marshal(m.Interface())
			return append(b, out...), err
		}
		parts[i] = camel
	}
	return appendString(b, strings.Join(parts, ","))
}

// lowerCamel maps a field-mask path to its JSON form as the JSON mapping defines
// it: underscores dropped, a lower-case letter after one upper-cased.
func lowerCamel(s string) string {
	b := make([]byte, 0, len(s))
	after := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '_' {
			if after && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b = append(b, c)
		}
		after = c == '_'
	}
	return string(b)
}

// snake is lowerCamel's inverse, used to check that a path survives the round trip.
func snake(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			sb.WriteByte('_')
			c += 'a' - 'A'
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

func appendValue(b []byte, m protoreflect.Message) ([]byte, error) {
	od := m.Descriptor().Oneofs().ByName("kind")
	fd := m.WhichOneof(od)
	if fd == nil {
		return b, fmt.Errorf("pbjson: %v: none of the oneof fields is set", m.Descriptor().FullName())
	}
	v := m.Get(fd)
	if fd.Name() == "number_value" {
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return b, fmt.Errorf("pbjson: %v: invalid %v value", m.Descriptor().FullName(), f)
		}
	}
	return appendSingular(b, fd, v)
}
