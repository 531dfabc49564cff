package gateway

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rmsuite/rmsuite/pkg/pbjson/pbjsontest"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

// Every message type of the API the gateway serves comes out of the marshaler as
// the same JSON protojson writes (or is refused by both), over random fillings.
func TestMarshalerMatchesProtojson(t *testing.T) {
	j := newJSONMarshaler()
	r := rand.New(rand.NewPCG(7, 11))
	types := 0
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		if !strings.HasPrefix(string(mt.Descriptor().FullName()), "rmsuite.") {
			return true
		}
		types++
		for i := range 50 {
			m := mt.New()
			pbjsontest.Fill(r, m, 3, i == 0)
			want, wantErr := protojson.MarshalOptions{}.Marshal(m.Interface())
			got, err := j.Marshal(m.Interface())
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("%v: error %v, protojson's %v", mt.Descriptor().FullName(), err, wantErr)
			}
			if err == nil && !pbjsontest.SameJSON(got, want) {
				t.Fatalf("%v:\n got %s\nwant %s", mt.Descriptor().FullName(), got, want)
			}
		}
		return true
	})
	if types < 50 {
		t.Fatalf("only %d rmsuite message types registered: the generated packages are not linked in", types)
	}
	// A value that is not a message goes the JSONPb way.
	got, err := j.Marshal([]string{"a"})
	if err != nil || string(got) != `["a"]` {
		t.Errorf("Marshal([]string) = %s, %v", got, err)
	}
}

func listResponse() *rosterv1.ListCustomersResponse {
	resp := &rosterv1.ListCustomersResponse{NextPageToken: "tok", TotalSize: 1000}
	now := time.Date(2026, 11, 23, 10, 0, 0, 123456000, time.UTC)
	for i := range 50 {
		resp.Customers = append(resp.Customers, &rosterv1.Customer{
			Name: fmt.Sprintf("customers/C%06d", i), DisplayName: fmt.Sprintf("静安便利店%04d", i),
			Kind: rosterv1.Customer_KIND_RETAIL_OUTLET, Classification: "B", Address: "上海市静安区南京西路1000号",
			Location: &latlng.LatLng{Latitude: 31.2304, Longitude: 121.4737}, AreaType: rosterv1.Customer_AREA_TYPE_URBAN,
			VisitMethod: rosterv1.Customer_VISIT_METHOD_IN_PERSON, PrimaryManager: "managers/E3001",
			OrgUnit: "orgUnits/team-jingan", AssignmentStartDate: &date.Date{Year: 2024, Month: 3, Day: 1},
			CreateTime: timestamppb.New(now), UpdateTime: timestamppb.New(now), Etag: "W/\"3\"",
		})
	}
	return resp
}

// BenchmarkMarshalList compares the two encoders on a page of 50 customers.
func BenchmarkMarshalList(b *testing.B) {
	resp := listResponse()
	for _, enc := range []struct {
		name string
		fn   func(proto.Message) ([]byte, error)
	}{
		{"protojson", protojson.Marshal},
		{"pbjson", func(m proto.Message) ([]byte, error) { return newJSONMarshaler().Marshal(m) }},
	} {
		b.Run(enc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := enc.fn(resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
