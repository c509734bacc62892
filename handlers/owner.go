package handlers

import (
	"context"
	"errors"
	"time"

	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/store"
)

// ownerWindowMargin is how much of the owner's 24-hour window we do not count on: a message
// sent in the last minutes could land after it closed.
const ownerWindowMargin = 10 * time.Minute

// sendText sends a free-form text. To the owner, with an alert template configured, it sends
// the template instead while the owner's 24-hour window is closed (they have not written in a
// day, or Graph says so with 131047): owners rarely write to their own bot, and without this
// every booking notice after the first day would be refused. kind is "text" or "template".
func (d *Deps) sendText(ctx context.Context, to, text string) (wamid, kind string, err error) {
	if d.WhatsApp == nil {
		return "", "text", errors.New("whatsapp client not configured")
	}
	viaTemplate := d.ownerTemplated(to)
	if viaTemplate {
		open, werr := d.ownerWindowOpen(ctx)
		if werr != nil {
			d.Log.Warn().Err(werr).Msg("owner's window unknown; trying text")
		}
		if werr == nil && !open {
			wamid, err = d.sendOwnerTemplate(ctx, text)
			return wamid, "template", err
		}
	}
	wamid, err = d.WhatsApp.SendText(ctx, to, text)
	d.countProviderCall("whatsapp", "send_text", err)
	if viaTemplate && errors.Is(err, whatsapp.ErrOutsideWindow) {
		wamid, err = d.sendOwnerTemplate(ctx, text)
		return wamid, "template", err
	}
	return wamid, "text", err
}

// ownerTemplated says whether messages to `to` go by template when the window is closed.
func (d *Deps) ownerTemplated(to string) bool {
	return d.Config.OwnerTemplate != "" && to != "" && to == d.Config.OwnerPhone
}

func (d *Deps) ownerWindowOpen(ctx context.Context) (bool, error) {
	last, err := d.Store.LastInboundAt(ctx, d.Config.OwnerPhone)
	if err != nil {
		return false, err
	}
	return !last.IsZero() && d.now().Sub(last) < 24*time.Hour-ownerWindowMargin, nil
}

func (d *Deps) sendOwnerTemplate(ctx context.Context, text string) (string, error) {
	wamid, err := d.WhatsApp.SendTemplate(ctx, d.Config.OwnerPhone, whatsapp.Template{
		Name: d.Config.OwnerTemplate, Language: d.Config.OwnerTemplateLanguage,
		Body: []string{whatsapp.TemplateParam(text)},
	})
	d.countProviderCall("whatsapp", "send_template", err)
	return wamid, err
}

// resendToOwnerByTemplate is for a text to the owner that Graph accepted and later reported
// failed with 131047: the same text goes again by template, and is recorded.
func (d *Deps) resendToOwnerByTemplate(ctx context.Context, failed store.Outbound) error {
	if !d.ownerTemplated(failed.WaID) || failed.Kind == "template" || failed.Body == "" {
		return nil
	}
	wamid, err := d.sendOwnerTemplate(ctx, failed.Body)
	var apiErr *whatsapp.APIError
	if errors.As(err, &apiErr) && !apiErr.Temporary() {
		// A template Graph refuses for good (not approved, say): retrying the status would
		// only repeat the refusal. The failed text stays visible in the admin.
		d.Log.Warn().Int("code", apiErr.Code).Msg("owner alert template refused")
		return nil
	}
	if err != nil {
		return err
	}
	d.Log.Info().Msg("owner outside the 24-hour window: message sent again by template")
	return d.Store.RecordOutbound(ctx, store.Outbound{Wamid: wamid, WaID: failed.WaID, Kind: "template", Body: failed.Body})
}
