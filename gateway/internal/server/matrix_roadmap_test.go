package server_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
)

// The roadmap rows of the access matrix. Own objects are roadmaps of the
// role's own organisation (A1, or a fresh school of A) and of municipality A;
// foreign ones those of B1 (A2 for the curator) and of municipality B. Each
// call that changes a roadmap gets a fresh one, imported by the operator.

// fixtureRoadmap is a roadmap with one stage and one item.
type fixtureRoadmap struct {
	id, version, stage, item string
}

const fixtureTSV = "№\tМероприятие\tСрок\tОтветственный\n" +
	"1.\tПодготовка условий\t\t\n" +
	"1.1\tРазработать положение о наставничестве\tДо 31.03.2022\tКуратор\n"

// roadmap imports a fixture roadmap for an owner ("organisation" or
// "municipality") through the gateway as the operator.
func (f *fixture) roadmap(kind, id string) fixtureRoadmap {
	f.t.Helper()
	owner := map[string]string{kind + "Id": id}
	var resp struct {
		Roadmap struct {
			ID      string `json:"id"`
			Version string `json:"version"`
			Stages  []struct {
				ID    string `json:"id"`
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			} `json:"stages"`
		} `json:"roadmap"`
	}
	code := f.clients["operator"].do("POST", "/v1/roadmaps:import", map[string]any{
		"owner": owner, "format": "IMPORT_FORMAT_TSV", "content": base64.StdEncoding.EncodeToString([]byte(fixtureTSV)),
		"periodStart": "2021-01-01", "periodEnd": "2024-12-31"}, &resp)
	if code != http.StatusOK || len(resp.Roadmap.Stages) != 1 || len(resp.Roadmap.Stages[0].Items) != 1 {
		f.t.Fatalf("fixture roadmap for %s %s: %d %+v", kind, id, code, resp)
	}
	r := resp.Roadmap
	return fixtureRoadmap{id: r.ID, version: r.Version, stage: r.Stages[0].ID, item: r.Stages[0].Items[0].ID}
}

func (f *fixture) ownRoadmap(role string) fixtureRoadmap {
	return f.roadmap("organisation", f.ownOrg(role).GetId())
}

func (f *fixture) foreignRoadmap(role string) fixtureRoadmap {
	return f.roadmap("organisation", f.foreignOrg(role).GetId())
}

// foreignRoadmapState hashes the roadmap rows of region 43 and of orgs.
func (f *fixture) foreignRoadmapState(orgs []string) string {
	f.t.Helper()
	var h string
	err := f.rmdb.QueryRow(context.Background(), `
		WITH r AS (SELECT * FROM roadmap WHERE region = '43' OR organisation::text = ANY($1))
		SELECT md5(concat_ws('|',
			(SELECT string_agg(r::text, ',' ORDER BY id) FROM r),
			(SELECT string_agg(s::text, ',' ORDER BY id) FROM stage s WHERE roadmap_id IN (SELECT id FROM r)),
			(SELECT string_agg(i::text, ',' ORDER BY id) FROM item i WHERE roadmap_id IN (SELECT id FROM r)),
			(SELECT string_agg(o::text, ',' ORDER BY item_id, due) FROM occurrence o WHERE roadmap_id IN (SELECT id FROM r))))`,
		orgs).Scan(&h)
	if err != nil {
		f.t.Fatalf("foreign roadmap state: %v", err)
	}
	return h
}

func roadmapRows() map[string]row {
	const rm = "/nastavnik.roadmap.v1.RoadmapService/"
	// write is a call that changes a roadmap of an organisation: the curator and
	// the methodologist may, the regional centre only reads.
	write := func(call func(r fixtureRoadmap) httpCall) row {
		return row{
			own:     func(f *fixture, role string) httpCall { return call(f.ownRoadmap(role)) },
			foreign: func(f *fixture, role string) httpCall { return call(f.foreignRoadmap(role)) },
			wantOwn: want{ok, pd, ok, ok}, wantForeign: want{ok, nf, nf, nf},
		}
	}
	municipal := func(f *fixture, role string, mun string) fixtureRoadmap {
		if role == "operator" && mun == f.munB {
			mun = f.newMunicipality("43").GetId()
		}
		return f.roadmap("municipality", mun)
	}
	tsv := base64.StdEncoding.EncodeToString([]byte(fixtureTSV))
	return map[string]row{
		rm + "CreateRoadmap": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/roadmaps", map[string]any{"owner": map[string]string{"organisationId": f.ownOrg(role).GetId()},
					"title": "ДК", "periodStart": "2021-01-01", "periodEnd": "2024-12-31"}}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/roadmaps", map[string]any{"owner": map[string]string{"organisationId": f.foreignOrg(role).GetId()},
					"title": "ДК", "periodStart": "2021-01-01", "periodEnd": "2024-12-31"}}
			},
			wantOwn: want{ok, pd, ok, ok}, wantForeign: want{ok, nf, nf, nf},
		},
		rm + "ImportRoadmap": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/roadmaps:import", map[string]any{"owner": map[string]string{"organisationId": f.ownOrg(role).GetId()},
					"format": "IMPORT_FORMAT_TSV", "content": tsv}}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/roadmaps:import", map[string]any{"owner": map[string]string{"organisationId": f.foreignOrg(role).GetId()},
					"format": "IMPORT_FORMAT_TSV", "content": tsv, "dryRun": true}}
			},
			wantOwn: want{ok, pd, ok, ok}, wantForeign: want{ok, nf, nf, nf},
		},
		rm + "GetRoadmap": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"GET", "/v1/roadmaps/" + f.ownRoadmap(role).id, nil}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"GET", "/v1/roadmaps/" + f.foreignRoadmap(role).id, nil}
			},
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
		rm + "ListRoadmaps": {
			own: func(f *fixture, role string) httpCall {
				f.ownRoadmap(role)
				f.foreignRoadmap(role)
				return httpCall{"GET", "/v1/roadmaps?pageSize=500", nil}
			},
			wantOwn: all(ok), wantForeign: all(ok),
		},
		rm + "UpdateRoadmap": write(func(r fixtureRoadmap) httpCall {
			return httpCall{"PATCH", "/v1/roadmaps/" + r.id, map[string]any{"version": r.version, "title": "Новое название",
				"periodStart": "2021-01-01", "periodEnd": "2024-12-31"}}
		}),
		rm + "RenumberRoadmap": write(func(r fixtureRoadmap) httpCall {
			return httpCall{"POST", "/v1/roadmaps/" + r.id + ":renumber", map[string]any{"version": r.version}}
		}),
		rm + "CreateStage": write(func(r fixtureRoadmap) httpCall {
			return httpCall{"POST", "/v1/roadmaps/" + r.id + "/stages", map[string]any{"version": r.version, "title": "Этап"}}
		}),
		rm + "UpdateStage": write(func(r fixtureRoadmap) httpCall {
			return httpCall{"PATCH", "/v1/stages/" + r.stage, map[string]any{"version": r.version, "title": "Этап"}}
		}),
		rm + "CreateItem": write(func(r fixtureRoadmap) httpCall {
			return httpCall{"POST", "/v1/stages/" + r.stage + "/items", map[string]any{"version": r.version,
				"item": map[string]string{"measure": "Новое мероприятие", "deadlineText": "Май 2022"}}}
		}),
		rm + "UpdateItem": write(func(r fixtureRoadmap) httpCall {
			return httpCall{"PATCH", "/v1/items/" + r.item, map[string]any{"version": r.version,
				"item": map[string]string{"measure": "Изменённое мероприятие"}}}
		}),
		rm + "MoveItem": write(func(r fixtureRoadmap) httpCall {
			return httpCall{"POST", "/v1/items/" + r.item + ":move", map[string]any{"version": r.version, "stageId": r.stage, "position": 1}}
		}),
		rm + "DeleteItem": write(func(r fixtureRoadmap) httpCall {
			return httpCall{"DELETE", "/v1/items/" + r.item + "?version=" + r.version, nil}
		}),
		rm + "MarkOccurrence": write(func(r fixtureRoadmap) httpCall {
			return httpCall{"POST", "/v1/items/" + r.item + "/occurrences/2022-03-31:mark", map[string]any{"done": true, "doneOn": "2022-03-30"}}
		}),
		rm + "ListOverdue": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"GET", "/v1/overdue?organisationId=" + f.ownRoadmapOrg(role), nil}
			},
			foreign: func(f *fixture, role string) httpCall {
				f.foreignRoadmap(role)
				return httpCall{"GET", "/v1/overdue?organisationId=" + f.foreignOrg(role).GetId(), nil}
			},
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
		// Handing down is the municipality's: the curator reads its
		// municipality's roadmap but may not change it.
		rm + "CascadeItem": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/items/" + municipal(f, role, f.munA).item + ":cascade", map[string]any{}}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/items/" + municipal(f, role, f.munB).item + ":cascade", map[string]any{}}
			},
			wantOwn: want{ok, pd, ok, pd}, wantForeign: want{ok, nf, nf, nf},
		},
		// Other schools' progress is not the curator's to see.
		rm + "ListCascade": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"GET", "/v1/items/" + municipal(f, role, f.munA).item + "/cascade", nil}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"GET", "/v1/items/" + municipal(f, role, f.munB).item + "/cascade", nil}
			},
			wantOwn: want{ok, ok, ok, nf}, wantForeign: want{ok, nf, nf, nf},
		},
	}
}

// ownRoadmapOrg is an organisation of the role's scope with an overdue item.
func (f *fixture) ownRoadmapOrg(role string) string {
	o := f.ownOrg(role)
	f.roadmap("organisation", o.GetId())
	return fmt.Sprint(o.GetId())
}
