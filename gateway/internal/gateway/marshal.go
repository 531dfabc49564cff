package gateway

import (
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/rmsuite/rmsuite/pkg/pbjson"
)

// jsonMarshaler is grpc-gateway's JSONPb (the canonical proto3 JSON mapping,
// unset fields left out) with responses written by pbjson: the same JSON, without
// protojson's cost, which dominated the gateway's time on list responses. Request
// bodies are still read by protojson.
type jsonMarshaler struct {
	runtime.JSONPb
}

func newJSONMarshaler() *jsonMarshaler {
	return &jsonMarshaler{runtime.JSONPb{
		MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: false},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}}
}

// Marshal writes a message with pbjson and anything else (a response_body field
// that is not a message) as JSONPb does.
func (j *jsonMarshaler) Marshal(v any) ([]byte, error) {
	if m, ok := v.(proto.Message); ok {
		return pbjson.Marshal(m)
	}
	return j.JSONPb.Marshal(v)
}
