package indicator

// Level is a level of aggregation.
type Level int

// Levels.
const (
	LevelUnspecified Level = iota
	LevelOrganisation
	LevelMunicipality
	LevelRegion
	LevelCountry
)

var levelNames = map[Level]string{LevelOrganisation: "organisation", LevelMunicipality: "municipality", LevelRegion: "region", LevelCountry: "country"}

func (l Level) String() string { return levelNames[l] }

// ParseLevel reads a level's name.
func ParseLevel(s string) Level {
	for l, n := range levelNames {
		if n == s {
			return l
		}
	}
	return LevelUnspecified
}

// Target is a value an indicator must reach by the end of a year: for every
// unit (Level unspecified), for a level, or for one named region or
// municipality (Unit: region code or municipality id).
type Target struct {
	Indicator string
	Year      int
	Level     Level
	Unit      string
	// Min is the least value that meets the target (≥).
	Min float64
	// Source says who set it.
	Source string
}

// Status is a value against its target.
type Status int

// Statuses.
const (
	StatusUnspecified Status = iota
	Met
	NotMet
	NoData
	NoTarget
)

var statusNames = map[Status]string{Met: "met", NotMet: "not_met", NoData: "no_data", NoTarget: "no_target"}

func (s Status) String() string { return statusNames[s] }

// Find returns the target that applies to an indicator's value for a unit at
// a level in a year: one naming the unit beats one for the level, which
// beats one for every level.
func Find(targets []Target, indicator string, year int, level Level, unit string) (Target, bool) {
	best, rank := Target{}, 0
	for _, t := range targets {
		if t.Indicator != indicator || t.Year != year {
			continue
		}
		r := 0
		switch {
		case t.Unit != "" && t.Unit == unit && (t.Level == LevelUnspecified || t.Level == level):
			r = 3
		case t.Unit == "" && t.Level == level:
			r = 2
		case t.Unit == "" && t.Level == LevelUnspecified:
			r = 1
		}
		if r > rank {
			best, rank = t, r
		}
	}
	return best, rank > 0
}

// Against rates a value against a target.
func Against(value float64, ok bool, t Target, found bool) Status {
	switch {
	case !found:
		return NoTarget
	case !ok:
		return NoData
	case value >= t.Min:
		return Met
	}
	return NotMet
}
