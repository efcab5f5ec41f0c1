package api

import (
	"fmt"
	"mime"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/grpc-ecosystem/grpc-gateway/v2/utilities"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/nastavnik/nastavnik/platform/grpcserver"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// downloadAggregates serves ExportAggregates as a file a browser saves:
// GET /v1/aggregates:download takes the query parameters of
// /v1/aggregates:export and answers with the CSV or XLSX itself.
func downloadAggregates(mux *runtime.ServeMux, conn *grpc.ClientConn, annotate func(*http.Request) metadata.MD) runtime.HandlerFunc {
	client := indicatorsv1.NewAggregateServiceClient(conn)
	marshaler := &runtime.JSONPb{MarshalOptions: protojson.MarshalOptions{EmitDefaultValues: true}}
	return func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		ctx := r.Context()
		req := &indicatorsv1.ExportAggregatesRequest{}
		if err := r.ParseForm(); err != nil {
			runtime.HTTPError(ctx, mux, marshaler, w, r, status.Error(codes.InvalidArgument, err.Error()))
			return
		}
		if err := runtime.PopulateQueryParameters(req, r.Form, utilities.NewDoubleArray(nil)); err != nil {
			runtime.HTTPError(ctx, mux, marshaler, w, r, status.Error(codes.InvalidArgument, err.Error()))
			return
		}
		md := annotate(r)
		if id := r.Header.Get(grpcserver.RequestIDKey); id != "" {
			md = metadata.Join(md, metadata.Pairs(grpcserver.RequestIDKey, id))
		}
		resp, err := client.ExportAggregates(metadata.NewOutgoingContext(ctx, md), req)
		if err != nil {
			runtime.HTTPError(ctx, mux, marshaler, w, r, err)
			return
		}
		w.Header().Set("Content-Type", resp.GetContentType())
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": resp.GetFileName()}))
		w.Header().Set("Content-Length", fmt.Sprint(len(resp.GetContent())))
		_, _ = w.Write(resp.GetContent())
	}
}
