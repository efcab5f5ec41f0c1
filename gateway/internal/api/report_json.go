package api

import (
	"math/bits"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/timestamppb"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// reportSize is about the length of r's JSON without values (its texts
// unescaped), so that appendReport writes into one buffer.
func reportSize(r *indicatorsv1.Report) int {
	n := 600 + len(r.Id) + len(r.CampaignId) + len(r.OrganisationId) + len(r.OrganisationName) + len(r.MunicipalityId) +
		len(r.RegionCode) + len(r.FormCode) + len(r.ReturnComment) + len(r.Deadline) + len(r.TimeZone) + len(r.ReopenReason)
	for _, s := range r.CarriedOver {
		n += 3 + len(s)
	}
	for k, v := range r.Remarks {
		n += 6 + len(k) + len(v)
	}
	for _, v := range r.Violations {
		n += 80 + len(v.GetRule()) + len(v.GetMessage())
		for _, f := range v.GetFields() {
			n += 3 + len(f)
		}
	}
	return n
}

// appendReport appends r (whose values are empty) as protojson with
// EmitDefaultValues writes it, without the optional spaces protojson adds at
// random per build; false when protojson would refuse r (a string that is
// not UTF-8, a timestamp out of range), so that protojson says why.
func appendReport(b []byte, r *indicatorsv1.Report) ([]byte, bool) {
	w := jsonWriter{b: b, ok: true}
	w.raw(`{"id":`)
	w.str(r.Id)
	w.raw(`,"campaignId":`)
	w.str(r.CampaignId)
	w.raw(`,"organisationId":`)
	w.str(r.OrganisationId)
	w.raw(`,"organisationName":`)
	w.str(r.OrganisationName)
	w.raw(`,"municipalityId":`)
	w.str(r.MunicipalityId)
	w.raw(`,"regionCode":`)
	w.str(r.RegionCode)
	w.raw(`,"formCode":`)
	w.str(r.FormCode)
	w.raw(`,"formVersion":`)
	w.b = strconv.AppendInt(w.b, int64(r.FormVersion), 10)
	w.raw(`,"status":`)
	w.enum(indicatorsv1.ReportStatus_name, int32(r.Status))
	w.raw(`,"values":{},"carriedOver":`)
	w.strs(r.CarriedOver)
	w.raw(`,"returnComment":`)
	w.str(r.ReturnComment)
	w.raw(`,"remarks":{`)
	keys := make([]string, 0, len(r.Remarks))
	for k := range r.Remarks {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			w.raw(",")
		}
		w.str(k)
		w.raw(":")
		w.str(r.Remarks[k])
	}
	w.raw(`},"late":`)
	w.b = strconv.AppendBool(w.b, r.Late)
	w.time(`,"submitTime":`, r.SubmitTime)
	w.raw(`,"deadline":`)
	w.str(r.Deadline)
	w.time(`,"deadlineTime":`, r.DeadlineTime)
	w.raw(`,"timeZone":`)
	w.str(r.TimeZone)
	w.raw(`,"reopenReason":`)
	w.str(r.ReopenReason)
	w.raw(`,"version":"`)
	w.b = strconv.AppendInt(w.b, r.Version, 10)
	w.raw(`"`)
	w.time(`,"createTime":`, r.CreateTime)
	w.time(`,"updateTime":`, r.UpdateTime)
	w.raw(`,"violations":[`)
	for i, v := range r.Violations {
		if i > 0 {
			w.raw(",")
		}
		w.raw(`{"rule":`)
		w.str(v.GetRule())
		w.raw(`,"severity":`)
		w.enum(indicatorsv1.Severity_name, int32(v.GetSeverity()))
		w.raw(`,"message":`)
		w.str(v.GetMessage())
		w.raw(`,"fields":`)
		w.strs(v.GetFields())
		w.raw("}")
	}
	w.raw("]}")
	return w.b, w.ok
}

// plain reports a string that needs no escaping: UTF-8 without control
// characters, quotes or backslashes.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.ValidString(s)
}

type jsonWriter struct {
	b  []byte
	ok bool
}

func (w *jsonWriter) raw(s string) { w.b = append(w.b, s...) }

func (w *jsonWriter) strs(ss []string) {
	w.raw("[")
	for i, s := range ss {
		if i > 0 {
			w.raw(",")
		}
		w.str(s)
	}
	w.raw("]")
}

// enum writes an enum's name, or its number when it has none (a value a
// newer service knows).
func (w *jsonWriter) enum(names map[int32]string, n int32) {
	if name, ok := names[n]; ok {
		w.str(name)
		return
	}
	w.b = strconv.AppendInt(w.b, int64(n), 10)
}

// time writes a set timestamp after its name as protojson does (RFC 3339 in
// UTC with 0, 3, 6 or 9 fractional digits); an unset one is left out.
func (w *jsonWriter) time(name string, t *timestamppb.Timestamp) {
	if t == nil {
		return
	}
	secs, nanos := t.GetSeconds(), t.GetNanos()
	// protojson's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
	if secs < -62135596800 || secs > 253402300799 || nanos < 0 || nanos > 999999999 {
		w.ok = false
		return
	}
	w.raw(name)
	w.raw(`"`)
	w.b = time.Unix(secs, int64(nanos)).UTC().AppendFormat(w.b, "2006-01-02T15:04:05")
	if nanos != 0 {
		frac := strconv.AppendInt(make([]byte, 0, 10), int64(nanos)+1e9, 10)[1:] // 9 digits
		switch {
		case nanos%1e6 == 0:
			frac = frac[:3]
		case nanos%1e3 == 0:
			frac = frac[:6]
		}
		w.raw(".")
		w.b = append(w.b, frac...)
	}
	w.raw(`Z"`)
}

// str writes s as a JSON string escaped as protojson escapes it: only '"',
// '\\' and control characters, the short escapes where JSON has them.
func (w *jsonWriter) str(s string) {
	w.b = append(w.b, '"')
	if plain(s) {
		w.b = append(w.b, s...)
		w.b = append(w.b, '"')
		return
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				w.ok = false
				return
			}
			i += n
			continue
		}
		if c >= ' ' && c != '"' && c != '\\' {
			i++
			continue
		}
		w.b = append(w.b, s[start:i]...)
		w.b = append(w.b, '\\')
		switch c {
		case '"', '\\':
			w.b = append(w.b, c)
		case '\b':
			w.b = append(w.b, 'b')
		case '\f':
			w.b = append(w.b, 'f')
		case '\n':
			w.b = append(w.b, 'n')
		case '\r':
			w.b = append(w.b, 'r')
		case '\t':
			w.b = append(w.b, 't')
		default:
			w.b = append(w.b, 'u')
			w.b = append(w.b, "0000"[1+(bits.Len32(uint32(c))-1)/4:]...)
			w.b = strconv.AppendUint(w.b, uint64(c), 16)
		}
		i++
		start = i
	}
	w.b = append(w.b, s[start:]...)
	w.b = append(w.b, '"')
}
