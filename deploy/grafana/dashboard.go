// Package grafana builds nastavnik's Grafana dashboard as code with the
// Grafana Foundation SDK. `go run ./grafana/gen` (in deploy/) writes it to
// grafana/nastavnik.json; a test keeps the committed file equal to what this
// builds, and the gateway's tests check that every metric its queries name is
// one the services expose.
package grafana

import (
	"encoding/json"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// datasource is the Prometheus the dashboard asks, chosen by its variable.
var datasource = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

func query(expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Datasource(datasource).Expr(expr).LegendFormat(legend)
}

func series(title, unit string, queries ...*prometheus.DataqueryBuilder) *timeseries.PanelBuilder {
	p := timeseries.NewPanelBuilder().Title(title).Unit(unit).Datasource(datasource).Height(8).Span(12).Min(0)
	for _, q := range queries {
		p.WithTarget(q)
	}
	return p
}

func bars(title, unit string, max float64, q *prometheus.DataqueryBuilder) *bargauge.PanelBuilder {
	return bargauge.NewPanelBuilder().Title(title).Unit(unit).Datasource(datasource).Height(10).Span(8).
		Min(0).Max(max).WithTarget(q.Instant())
}

func single(title, unit string, q *prometheus.DataqueryBuilder) *stat.PanelBuilder {
	return stat.NewPanelBuilder().Title(title).Unit(unit).Datasource(datasource).Height(4).Span(6).WithTarget(q)
}

// Build returns the dashboard.
func Build() (dashboard.Dashboard, error) {
	return dashboard.NewDashboardBuilder("nastavnik").
		Uid("nastavnik").
		Description("Traffic, errors and latency of the gateway and the services, database pools, and the campaigns' progress by region.").
		Tags([]string{"nastavnik"}).
		Refresh("1m").
		Time("now-6h", "now").
		Timezone(common.TimeZoneBrowser).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Prometheus").Type("prometheus")).
		WithRow(dashboard.NewRowBuilder("Campaigns")).
		WithPanel(single("Reports saved per hour", "short",
			query(`sum(rate(nastavnik_reports_saved_total[1h])) * 3600`, "saved"))).
		WithPanel(single("Reports submitted per hour", "short",
			query(`sum(rate(nastavnik_reports_submitted_total[1h])) * 3600`, "submitted"))).
		WithPanel(single("Completeness, all regions", "percentunit",
			query(`sum(max by (region) (nastavnik_region_submitted_reports)) / sum(max by (region) (nastavnik_region_expected_organisations))`, "complete"))).
		WithPanel(single("Time to the next deadline", "s",
			query(`min(nastavnik_region_next_deadline_timestamp_seconds) - time()`, "left"))).
		WithPanel(series("Saves and submissions", "ops",
			query(`nastavnik:reports_saved:rate5m`, "saves/s"),
			query(`nastavnik:reports_submitted:rate5m`, "submissions/s"))).
		WithPanel(series("Reports awaiting review", "short",
			query(`sum(max by (region) (nastavnik_region_reports_awaiting_review))`, "awaiting"))).
		WithPanel(bars("Completeness by region", "percentunit", 1,
			query(`sort(max by (region) (nastavnik_region_completeness_ratio))`, "{{region}}"))).
		WithPanel(bars("Late share by region", "percentunit", 1,
			query(`sort_desc(max by (region) (nastavnik_region_late_ratio))`, "{{region}}"))).
		WithPanel(bars("Oldest report awaiting review, days", "d", 30,
			query(`sort_desc(max by (region) (nastavnik_region_oldest_awaiting_review_seconds) / 86400)`, "{{region}}"))).
		WithRow(dashboard.NewRowBuilder("Gateway (HTTP)")).
		WithPanel(series("Requests by route", "reqps",
			query(`topk(10, sum by (route) (rate(http_requests_total[$__rate_interval])))`, "{{route}}"))).
		WithPanel(series("Server errors (5xx share)", "percentunit",
			query(`nastavnik:http_errors:ratio_rate5m`, "5xx"),
			query(`sum by (code) (rate(http_requests_total{code=~"4..|5.."}[$__rate_interval])) / ignoring (code) group_left sum(rate(http_requests_total[$__rate_interval]))`, "{{code}}"))).
		WithPanel(series("Latency p95 by route", "s",
			query(`topk(10, histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket[$__rate_interval]))))`, "{{route}}"))).
		WithPanel(series("Slow interactive requests (SLO: 1 % over 0.5 s)", "percentunit",
			query(`nastavnik:http_slow:ratio_rate5m`, "5m"),
			query(`nastavnik:http_slow:ratio_rate1h`, "1h"),
			query(`nastavnik:http_slow:ratio_rate6h`, "6h"))).
		WithPanel(series("Requests in flight", "short",
			query(`sum by (instance) (http_requests_in_flight)`, "{{instance}}"))).
		WithPanel(series("Gateway → services p95", "s",
			query(`histogram_quantile(0.95, sum by (le, grpc_service) (rate(grpc_client_handling_seconds_bucket[$__rate_interval])))`, "{{grpc_service}}"))).
		WithRow(dashboard.NewRowBuilder("Services (gRPC)")).
		WithPanel(series("Calls by service", "ops",
			query(`sum by (grpc_service) (rate(grpc_server_handled_total[$__rate_interval]))`, "{{grpc_service}}"))).
		WithPanel(series("Server-side failures", "percentunit",
			query(`nastavnik:grpc_server_errors:ratio_rate5m`, "{{grpc_service}}"))).
		WithPanel(series("Latency p95 by method", "s",
			query(`topk(10, histogram_quantile(0.95, sum by (le, grpc_method) (rate(grpc_server_handling_seconds_bucket[$__rate_interval]))))`, "{{grpc_method}}"))).
		WithPanel(series("Memory (RSS) by process", "bytes",
			query(`sum by (job, instance) (process_resident_memory_bytes)`, "{{job}} {{instance}}"))).
		WithRow(dashboard.NewRowBuilder("Database pools")).
		WithPanel(series("Pool in use", "percentunit",
			query(`sum by (job, instance, pool) (nastavnik_db_pool_acquired_conns) / sum by (job, instance, pool) (nastavnik_db_pool_max_conns)`, "{{job}} {{instance}} {{pool}}"))).
		WithPanel(series("Wait for a connection, mean per acquisition", "s",
			query(`sum by (job, pool) (rate(nastavnik_db_pool_empty_acquire_wait_seconds_total[$__rate_interval])) / sum by (job, pool) (rate(nastavnik_db_pool_acquires_total[$__rate_interval]))`, "{{job}} {{pool}}"))).
		WithPanel(series("Connections open", "short",
			query(`sum by (job, pool) (nastavnik_db_pool_total_conns)`, "{{job}} {{pool}}"))).
		WithPanel(series("Acquisitions given up", "ops",
			query(`sum by (job, pool) (rate(nastavnik_db_pool_canceled_acquires_total[$__rate_interval]))`, "{{job}} {{pool}}"))).
		Build()
}

// JSON is the dashboard as Grafana imports it.
func JSON() ([]byte, error) {
	d, err := Build()
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
