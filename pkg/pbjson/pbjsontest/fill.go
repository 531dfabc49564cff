// Package pbjsontest fills messages of any type with random values, for tests that
// hold pbjson's output to protojson's.
package pbjsontest

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Fill sets a random selection of m's fields (every field when all is true) to
// random values, nesting messages up to depth levels.
func Fill(r *rand.Rand, m protoreflect.Message, depth int, all bool) {
	md := m.Descriptor()
	switch md.FullName() {
	case "google.protobuf.Timestamp":
		setInt(m, 1, r.Int64N(253402300799+62135596800)-62135596800)
		setInt(m, 2, nanos(r))
		return
	case "google.protobuf.Duration":
		secs, ns := r.Int64N(315576000000), nanos(r)
		if r.IntN(2) == 0 {
			secs, ns = -secs, -ns
		}
		setInt(m, 1, secs)
		setInt(m, 2, ns)
		return
	case "google.protobuf.FieldMask":
		l := m.Mutable(md.Fields().ByNumber(1)).List()
		for range r.IntN(4) {
			l.Append(protoreflect.ValueOfString(pick(r, "display_name", "org_unit", "grade.band", "a_b.c_d", "x")))
		}
		return
	case "google.protobuf.Value":
		fillValue(r, m, depth)
		return
	case "google.protobuf.Any":
		inner := timestamppb.New(timestamppb.Now().AsTime())
		a, _ := anypb.New(inner)
		m.Set(md.Fields().ByNumber(1), protoreflect.ValueOfString(a.TypeUrl))
		m.Set(md.Fields().ByNumber(2), protoreflect.ValueOfBytes(a.Value))
		return
	}
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if !all && r.IntN(3) == 0 {
			continue
		}
		if fd.ContainingOneof() != nil && !fd.HasOptionalKeyword() && m.WhichOneof(fd.ContainingOneof()) != nil {
			continue
		}
		switch {
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			for range r.IntN(4) {
				k := scalar(r, fd.MapKey()).MapKey()
				if fd.MapValue().Message() != nil {
					v := mp.NewValue()
					if depth > 0 {
						Fill(r, v.Message(), depth-1, false)
					} else if fd.MapValue().Message().FullName() == "google.protobuf.Value" {
						continue // a Value must hold something
					}
					mp.Set(k, v)
				} else {
					mp.Set(k, scalar(r, fd.MapValue()))
				}
			}
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range r.IntN(4) {
				if fd.Message() != nil {
					if depth == 0 {
						break
					}
					v := l.NewElement()
					Fill(r, v.Message(), depth-1, false)
					l.Append(v)
				} else {
					l.Append(scalar(r, fd))
				}
			}
		case fd.Message() != nil:
			if depth > 0 {
				Fill(r, m.Mutable(fd).Message(), depth-1, false)
			}
		default:
			m.Set(fd, scalar(r, fd))
		}
	}
}

func fillValue(r *rand.Rand, m protoreflect.Message, depth int) {
	fields := m.Descriptor().Fields()
	kinds := []protoreflect.Name{"null_value", "number_value", "string_value", "bool_value"}
	if depth > 0 {
		kinds = append(kinds, "struct_value", "list_value")
	}
	fd := fields.ByName(kinds[r.IntN(len(kinds))])
	switch fd.Name() {
	case "number_value":
		m.Set(fd, protoreflect.ValueOfFloat64(float64(r.IntN(1e6))/pick(r, 1.0, 3.0, 1e9)))
	case "struct_value", "list_value":
		Fill(r, m.Mutable(fd).Message(), depth-1, false)
	default:
		m.Set(fd, scalar(r, fd))
	}
}

func setInt(m protoreflect.Message, n protoreflect.FieldNumber, v int64) {
	fd := m.Descriptor().Fields().ByNumber(n)
	if fd.Kind() == protoreflect.Int32Kind {
		m.Set(fd, protoreflect.ValueOfInt32(int32(v)))
		return
	}
	m.Set(fd, protoreflect.ValueOfInt64(v))
}

func nanos(r *rand.Rand) int64 {
	return pick(r, 0, int64(r.IntN(1000))*1e6, int64(r.IntN(1e6))*1e3, r.Int64N(1e9))
}

func pick[T any](r *rand.Rand, vs ...T) T { return vs[r.IntN(len(vs))] }

var texts = []string{"", "a", "客户经理", "静安支行 第一团队", "quote \" back \\ slash", "tab\tnew\nline\r\x01\x1f\u007f",
	"emoji 🏦", "<html>&amp;", "\u2028\u2029", "\ufffd"}

func scalar(r *rand.Rand, fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(r.IntN(2) == 0)
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		if r.IntN(10) == 0 {
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(1000 + r.IntN(10))) // a number the enum does not name
		}
		return protoreflect.ValueOfEnum(vals.Get(r.IntN(vals.Len())).Number())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(pick(r, 0, 1, -1, math.MaxInt32, math.MinInt32, r.Int32()))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(pick(r, 0, 1, math.MaxUint32, r.Uint32()))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(pick(r, 0, -1, math.MaxInt64, math.MinInt64, r.Int64()))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(pick(r, 0, math.MaxUint64, r.Uint64()))
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(pick(r, 0, 1.5, -2.25e-7, 3.4e38, float32(math.Inf(1)), float32(math.NaN()), r.Float32()))
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(pick(r, 0, 31.2304, -121.4737, 1e21, 1e-7, 5e-324, math.Inf(-1), math.NaN(), r.NormFloat64()*1e6))
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(pick(r, texts...) + strings.Repeat("x", r.IntN(3)))
	case protoreflect.BytesKind:
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		return protoreflect.ValueOfBytes(b)
	}
	panic("pbjsontest: no scalar for " + fd.Kind().String())
}

// SameJSON reports whether a and b are the same JSON value (object key order aside;
// numbers compared by their text).
func SameJSON(a, b []byte) bool {
	var x, y any
	da, db := json.NewDecoder(strings.NewReader(string(a))), json.NewDecoder(strings.NewReader(string(b)))
	da.UseNumber()
	db.UseNumber()
	if da.Decode(&x) != nil || db.Decode(&y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
