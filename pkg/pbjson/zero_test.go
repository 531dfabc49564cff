package pbjson_test

import (
	"math"
	"testing"

	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/rmsuite/rmsuite/pkg/pbjson"
	"github.com/rmsuite/rmsuite/pkg/pbjson/pbjsontest"
)

// A field without presence is written when it is not its zero value, as
// protojson decides it: -0.0 is not zero (its bits are not), so it is written.
func TestImplicitZeroes(t *testing.T) {
	for _, m := range []*latlng.LatLng{
		{},
		{Latitude: math.Copysign(0, -1)},
		{Longitude: 121.5},
		{Latitude: math.Copysign(0, -1), Longitude: math.Copysign(0, -1)},
	} {
		got, err := pbjson.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		want, err := protojson.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if !pbjsontest.SameJSON(got, want) {
			t.Errorf("%v: pbjson %s, protojson %s", m, got, want)
		}
	}
}
