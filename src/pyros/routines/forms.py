"""Web forms of the Routine Manager.  They only collect text: the values are turned into
the request document and validated by ``routines.spec`` / ``actions`` like any import, so
the form, the API and import share one set of checks and messages."""

from __future__ import annotations

from typing import Any

from django import forms

from pyros.config import load_config
from pyros.routines.spec import MAX_REPEAT_DAYS

PLAN_ROWS = 4


def _filter_choices() -> list[tuple[str, str]]:
    cfg = load_config()
    return [("", "—")] + [(f"{c.name}:{f}", f"{c.name} {f}") for c in cfg.channels
                          for f in c.filters]


class RequestForm(forms.Form):
    name = forms.CharField(max_length=200)
    programme = forms.ChoiceField()

    def __init__(self, *args, programmes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [(p.code, f"{p.code} — {p.title}")
                                            for p in programmes]


class SequenceForm(forms.Form):
    name = forms.CharField(max_length=200)
    target_name = forms.CharField(max_length=100, label="Target")
    ra = forms.CharField(label="RA", help_text="hh:mm:ss.s or degrees")
    dec = forms.CharField(label="Dec", help_text="±dd:mm:ss or degrees")
    window_start = forms.CharField(required=False, label="JD1 / start",
                                   help_text="Julian date (2461000.5) or 2026-12-01T03:00")
    window_end = forms.CharField(required=False, label="JD2 / end")
    auto_window = forms.BooleanField(required=False, label="Compute the window from the "
                                     "target's visibility (next 2 nights)")
    max_airmass = forms.FloatField(initial=2.0)
    min_moon_separation_deg = forms.FloatField(initial=30.0, label="Min Moon separation (°)")
    max_seeing_arcsec = forms.FloatField(required=False, label="Max seeing (″)")
    max_moon_illumination = forms.FloatField(required=False, label="Max Moon illumination "
                                             "(0 new – 1 full)")
    priority = forms.IntegerField(initial=5, min_value=0, max_value=10)
    allow_postpone = forms.BooleanField(required=False, label="Allow postponing to a "
                                        "following night")
    repeat_days = forms.IntegerField(initial=0, min_value=0, max_value=MAX_REPEAT_DAYS,
                                     label="Repeat over N following days")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(PLAN_ROWS):
            self.fields[f"plan{i}_filter"] = forms.ChoiceField(
                choices=_filter_choices(), required=i == 0, label=f"Plan {i + 1} filter")
            self.fields[f"plan{i}_exposure_s"] = forms.CharField(required=i == 0,
                                                                 label="exposure (s)")
            self.fields[f"plan{i}_count"] = forms.CharField(required=False, label="count",
                                                            initial="1")
            self.fields[f"plan{i}_dither_arcsec"] = forms.CharField(required=False,
                                                                    label="dither (″)",
                                                                    initial="0")

    def clean(self):
        d = super().clean()
        if not d.get("auto_window"):
            for k in ("window_start", "window_end"):
                if not d.get(k):
                    self.add_error(k, "give the window, or tick 'compute the window'")
        return d

    def plan_rows(self) -> list[list[forms.BoundField]]:
        return [[self[f"plan{i}_{k}"] for k in ("filter", "exposure_s", "count",
                                                  "dither_arcsec")] for i in range(PLAN_ROWS)]

    def sequence_document(self) -> dict[str, Any]:
        """The sequence as a document for ``routines.spec`` (call after ``is_valid``)."""
        d = self.cleaned_data
        doc: dict[str, Any] = {k: d[k] for k in (
            "name", "target_name", "ra", "dec", "max_airmass", "min_moon_separation_deg",
            "priority", "allow_postpone", "repeat_days")}
        for k in ("max_seeing_arcsec", "max_moon_illumination"):
            if d.get(k) is not None:
                doc[k] = d[k]
        if not d.get("auto_window"):
            doc["window_start"], doc["window_end"] = d["window_start"], d["window_end"]
        albums: dict[str, list[dict[str, Any]]] = {}
        for i in range(PLAN_ROWS):
            choice = d.get(f"plan{i}_filter")
            if not choice:
                continue
            channel, filt = choice.split(":", 1)
            albums.setdefault(channel, []).append({
                "filter": filt, "exposure_s": d.get(f"plan{i}_exposure_s"),
                "count": d.get(f"plan{i}_count") or 1,
                "dither_arcsec": d.get(f"plan{i}_dither_arcsec") or 0})
        doc["albums"] = [{"channel": c, "plans": p} for c, p in albums.items()]
        return doc


class EtcForm(forms.Form):
    mode = forms.ChoiceField(choices=[("exposure", "exposure time for a S/N"),
                                      ("snr", "S/N for an exposure time")])
    mag = forms.FloatField(min_value=-5, max_value=35, label="AB magnitude", initial=18)
    filter = forms.ChoiceField()
    snr = forms.FloatField(required=False, min_value=0.1, max_value=100000, label="S/N",
                           initial=50)
    exposure_s = forms.FloatField(required=False, min_value=0.001, max_value=86400,
                                  label="exposure (s)")
    seeing_arcsec = forms.FloatField(initial=1.2, min_value=0.1, max_value=20,
                                     label="seeing (″)")
    airmass = forms.FloatField(initial=1.2, min_value=1.0, max_value=10)
    moon_illumination = forms.FloatField(required=False, min_value=0, max_value=1,
                                         label="Moon illumination")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "etc")
        super().__init__(*args, **kwargs)
        cfg = load_config()
        self.fields["filter"].choices = [(f, f"{f} ({c.name})") for c in cfg.channels
                                         for f in c.filters]

    def clean(self):
        d = super().clean()
        if d.get("mode") == "snr" and not d.get("exposure_s"):
            self.add_error("exposure_s", "needed to compute a S/N")
        if d.get("mode") == "exposure" and not d.get("snr"):
            self.add_error("snr", "needed to compute an exposure time")
        return d


class ImportForm(forms.Form):
    document = forms.FileField(help_text="JSON or XML, at most 1 MiB")
    submit_now = forms.BooleanField(required=False, label="Submit after import")
