package api

import (
	"bytes"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/types/known/timestamppb"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// basicAnswer is a save's answer in the BASIC view as the peak's savers get
// it: a draft with two violations.
var basicAnswer = &indicatorsv1.Report{
	Id: "0b6f0c1e-8a57-4d6f-9a4e-2c6f3f2f4e11", CampaignId: "5c1f9a8e-1d2b-4c3d-8e4f-5a6b7c8d9e0f",
	OrganisationId: "7d2e4f6a-8b9c-4d1e-9f2a-3b4c5d6e7f80", OrganisationName: "МБОУ «Средняя школа № 5»",
	MunicipalityId: "krsk", RegionCode: "24", FormCode: "mentoring", FormVersion: 3,
	Status: indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT, Deadline: "2026-12-15",
	DeadlineTime: &timestamppb.Timestamp{Seconds: 1_765_818_000}, TimeZone: "Asia/Krasnoyarsk", Version: 4182,
	CreateTime: &timestamppb.Timestamp{Seconds: 1_764_000_000, Nanos: 123_456_000},
	UpdateTime: &timestamppb.Timestamp{Seconds: 1_764_500_000, Nanos: 987_654_000},
	Violations: []*indicatorsv1.Violation{
		{Rule: "young_le_total", Severity: indicatorsv1.Severity_SEVERITY_ERROR,
			Message: "Молодых педагогов не может быть больше, чем педагогов всего", Fields: []string{"young_teachers", "teachers_total"}},
		{Rule: "mentors_share", Severity: indicatorsv1.Severity_SEVERITY_WARNING,
			Message: "Доля наставников выше обычной: проверьте значения", Fields: []string{"mentors"}},
	},
}

// The answer of a save: protojson against the hand-written encoder.
func BenchmarkMarshalBasicReport(b *testing.B) {
	m := jsonBody{&runtime.JSONPb{MarshalOptions: apiMarshalOptions}}
	b.Run("protojson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.JSONPb.Marshal(basicAnswer); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appendReport", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Marshal(basicAnswer); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A save's body: the checked path (two encoding/json scans, then
// protojson), protojson alone, and the decoder (by hand: decodeSaveReport).
func BenchmarkDecodeSaveBody(b *testing.B) {
	j := jsonBody{&runtime.JSONPb{MarshalOptions: apiMarshalOptions}}
	body := []byte(`{"version":"4182","view":"REPORT_VIEW_BASIC","values":{"teachers_total":{"count":"61"}}}`)
	b.Run("checked", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := j.decodeChecked(nil, body, &indicatorsv1.SaveReportRequest{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("protojson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := j.UnmarshalOptions.Unmarshal(body, &indicatorsv1.SaveReportRequest{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decoder", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := j.NewDecoder(bytes.NewReader(body)).Decode(&indicatorsv1.SaveReportRequest{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
