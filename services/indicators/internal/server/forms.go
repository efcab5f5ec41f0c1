package server

import (
	"context"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/validation"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
	"github.com/nastavnik/nastavnik/services/indicators/internal/rules"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// builtin are the forms whose first version starts from a definition shipped
// with the service.
var builtin = map[string]func() form.Form{form.MentorshipCode: form.Mentorship}

// GetForm implements FormService.
func (s *Server) GetForm(ctx context.Context, req *indicatorsv1.GetFormRequest) (*indicatorsv1.GetFormResponse, error) {
	if _, err := identity.Caller(ctx); err != nil {
		return nil, err
	}
	f, err := s.store.GetForm(ctx, req.GetCode(), int(req.GetVersion()))
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.GetFormResponse{Form: formToProto(f)}, nil
}

// ListForms implements FormService.
func (s *Server) ListForms(ctx context.Context, req *indicatorsv1.ListFormsRequest) (*indicatorsv1.ListFormsResponse, error) {
	if _, err := identity.Caller(ctx); err != nil {
		return nil, err
	}
	filter := struct {
		Code   string
		Status int32
	}{req.GetCode(), int32(req.GetStatus())}
	after, err := pagination.After[store.FormCursor](req.GetPageToken(), filter)
	if err != nil {
		return nil, err
	}
	size := pagination.Size(req.GetPageSize())
	list, total, err := s.store.ListForms(ctx, req.GetCode(), form.Status(req.GetStatus()), after, size+1)
	if err != nil {
		return nil, err
	}
	resp := &indicatorsv1.ListFormsResponse{TotalSize: int32(total)}
	list, resp.NextPageToken, err = pagination.Trim(list, size, filter, func(f form.Form) any {
		return store.FormCursor{Code: f.Code, Version: f.Version}
	})
	if err != nil {
		return nil, err
	}
	for _, f := range list {
		resp.Forms = append(resp.Forms, formToProto(f))
	}
	return resp, nil
}

// DraftForm implements FormService.
func (s *Server) DraftForm(ctx context.Context, req *indicatorsv1.DraftFormRequest) (*indicatorsv1.DraftFormResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !mayEditForms(p) {
		return nil, domain.ErrPermissionDenied
	}
	f, err := s.store.DraftForm(ctx, req.GetCode(), func() (form.Form, bool) {
		b, ok := builtin[req.GetCode()]
		if !ok {
			return form.Form{}, false
		}
		return b(), true
	}, s.now())
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.DraftFormResponse{Form: formToProto(f)}, nil
}

// UpdateForm implements FormService.
func (s *Server) UpdateForm(ctx context.Context, req *indicatorsv1.UpdateFormRequest) (*indicatorsv1.UpdateFormResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !mayEditForms(p) {
		return nil, domain.ErrPermissionDenied
	}
	f := formFromProto(req.GetForm())
	ve := &validation.Error{}
	ve.Merge("", asValidation(f.Validate()))
	if f.Revision <= 0 {
		ve.Add("revision", validation.BaseVersion("revision"))
	}
	if f.Version <= 0 {
		ve.Add("version", validation.New("draft_version"))
	}
	if err := ve.Err(); err != nil {
		return nil, validation.Prefixed("form", err)
	}
	out, err := s.store.UpdateForm(ctx, f, s.now())
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.UpdateFormResponse{Form: formToProto(out)}, nil
}

// PublishForm implements FormService.
func (s *Server) PublishForm(ctx context.Context, req *indicatorsv1.PublishFormRequest) (*indicatorsv1.PublishFormResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !mayEditForms(p) {
		return nil, domain.ErrPermissionDenied
	}
	out, err := s.store.PublishForm(ctx, req.GetCode(), int(req.GetVersion()), req.GetRevision(), func(f form.Form) error {
		if err := f.Validate(); err != nil {
			return validation.Prefixed("form", err)
		}
		_, err := rules.Compile(f)
		return validation.Prefixed("form", err)
	}, s.now())
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.PublishFormResponse{Form: formToProto(out)}, nil
}
