package pbjson_test

import (
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/rmsuite/rmsuite/pkg/pbjson"
	"github.com/rmsuite/rmsuite/pkg/pbjson/pbjsontest"
)

// Check holds pbjson to protojson for n random fillings of each message type:
// the same JSON value, or both refuse.
func check(t *testing.T, n int, types ...proto.Message) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	for _, typ := range types {
		for i := range n {
			m := typ.ProtoReflect().New()
			pbjsontest.Fill(r, m, 3, i == 0)
			want, wantErr := protojson.Marshal(m.Interface())
			got, err := pbjson.Marshal(m.Interface())
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("%v: error %v, protojson's %v\nmessage %v", m.Descriptor().FullName(), err, wantErr, m)
			}
			if i == 1 && testing.Verbose() {
				t.Logf("%v: %s", m.Descriptor().FullName(), got)
			}
			if err == nil && !pbjsontest.SameJSON(got, want) {
				t.Fatalf("%v:\n got %s\nwant %s", m.Descriptor().FullName(), got, want)
			}
		}
	}
}

func TestSameAsProtojson(t *testing.T) {
	check(t, 300,
		&timestamppb.Timestamp{}, &durationpb.Duration{}, &fieldmaskpb.FieldMask{}, &emptypb.Empty{},
		&structpb.Struct{}, &structpb.Value{}, &structpb.ListValue{}, &anypb.Any{},
		&wrapperspb.DoubleValue{}, &wrapperspb.FloatValue{}, &wrapperspb.Int64Value{}, &wrapperspb.UInt64Value{},
		&wrapperspb.Int32Value{}, &wrapperspb.UInt32Value{}, &wrapperspb.BoolValue{}, &wrapperspb.StringValue{},
		&wrapperspb.BytesValue{},
		// descriptor.proto has fields of every scalar kind, nested messages, enums and repeated fields.
		&descriptorpb.FileDescriptorProto{}, &descriptorpb.FieldOptions{}, &descriptorpb.SourceCodeInfo{},
		&descriptorpb.UninterpretedOption{},
	)
}

// The values at the edges of each well-known type's range, and just past them.
func TestWellKnownEdges(t *testing.T) {
	cases := []proto.Message{
		&timestamppb.Timestamp{Seconds: -62135596800}, &timestamppb.Timestamp{Seconds: 253402300799, Nanos: 999999999},
		&timestamppb.Timestamp{Seconds: -62135596801}, &timestamppb.Timestamp{Seconds: 253402300800},
		&timestamppb.Timestamp{Nanos: -1}, &timestamppb.Timestamp{Nanos: 1e9}, &timestamppb.Timestamp{Nanos: 1000},
		&durationpb.Duration{Nanos: -500000000}, &durationpb.Duration{Seconds: 1, Nanos: -1},
		&durationpb.Duration{Seconds: -1, Nanos: 1}, &durationpb.Duration{Seconds: 315576000001},
		&durationpb.Duration{Seconds: -315576000000, Nanos: -999999999},
		&fieldmaskpb.FieldMask{Paths: []string{"foo_bar", "baz"}}, &fieldmaskpb.FieldMask{Paths: []string{"fooBar"}},
		&fieldmaskpb.FieldMask{Paths: []string{"foo__bar"}}, &fieldmaskpb.FieldMask{Paths: []string{"foo_1"}},
		&fieldmaskpb.FieldMask{Paths: []string{"a.b_c"}}, &fieldmaskpb.FieldMask{Paths: []string{""}},
		&structpb.Value{}, structpb.NewNullValue(), structpb.NewNumberValue(1e300),
		&wrapperspb.StringValue{Value: "bad \xff utf-8"}, &wrapperspb.FloatValue{Value: 1e-7},
	}
	for _, m := range cases {
		want, wantErr := protojson.Marshal(m)
		got, err := pbjson.Marshal(m)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%v %v: error %v, protojson's %v", m.ProtoReflect().Descriptor().FullName(), m, err, wantErr)
			continue
		}
		if err == nil && string(got) != string(want) {
			t.Errorf("%v %v:\n got %s\nwant %s", m.ProtoReflect().Descriptor().FullName(), m, got, want)
		}
	}
}

func TestNilAndAppend(t *testing.T) {
	if got, err := pbjson.Marshal(nil); err != nil || string(got) != "{}" {
		t.Errorf("Marshal(nil) = %s, %v", got, err)
	}
	got, err := pbjson.Append([]byte("x"), wrapperspb.String("y"))
	if err != nil || string(got) != `x"y"` {
		t.Errorf("Append = %s, %v", got, err)
	}
}

func FuzzSameAsProtojson(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Fuzz(func(t *testing.T, a, b uint64) {
		r := rand.New(rand.NewPCG(a, b))
		m := (&descriptorpb.FileDescriptorProto{}).ProtoReflect()
		pbjsontest.Fill(r, m, 4, false)
		want, wantErr := protojson.Marshal(m.Interface())
		got, err := pbjson.Marshal(m.Interface())
		if (err != nil) != (wantErr != nil) || err == nil && !pbjsontest.SameJSON(got, want) {
			t.Fatalf("got %s (%v), want %s (%v)", got, err, want, wantErr)
		}
	})
}
