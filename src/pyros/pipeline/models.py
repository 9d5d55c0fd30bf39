"""What the pipeline produced: master calibrations, reduced frames, burst analyses.

Every row is keyed so that re-running a task updates it instead of adding another:
a master by its inputs (``inputs_digest``), a reduction by its frame (one-to-one), a burst
analysis by what it follows (``key``: ``alert-<id>``, ``request-<id>`` or
``sequence-<id>``).  Paths are relative to ``settings.DATA_DIR``.
"""

from __future__ import annotations

from django.db import models

from pyros.clock import now


class MasterCalibration(models.Model):
    """A master ("super") bias, dark or flat of one night, channel (and filter, for flats).

    A build from other frames makes the next ``version``; older versions are kept.
    """

    class Kind(models.TextChoices):
        BIAS = "bias"
        DARK = "dark"
        FLAT = "flat"

    night = models.CharField(max_length=8, help_text="YYYYMMDD of the evening")
    channel = models.CharField(max_length=16)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    #: Flats only; empty for bias and dark.
    filter_name = models.CharField(max_length=16, blank=True)
    version = models.PositiveIntegerField()
    path = models.CharField(max_length=500, unique=True)
    width_px = models.PositiveIntegerField()
    height_px = models.PositiveIntegerField()
    n_frames = models.PositiveIntegerField()
    frames = models.ManyToManyField("execution.Frame", related_name="masters", blank=True)
    #: SHA-256 over the input frames' checksums and the masters this one was corrected with.
    inputs_digest = models.CharField(max_length=64)
    bias = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", help_text="master bias used (dark, flat)")
    dark = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", help_text="master dark used (flat)")
    stats = models.JSONField(default=dict, blank=True)
    sent_to_ic = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-night", "channel", "kind", "filter_name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["night", "channel", "kind", "filter_name", "version"],
                                    name="master_version_unique"),
            models.UniqueConstraint(
                fields=["night", "channel", "kind", "filter_name", "inputs_digest"],
                name="master_inputs_unique"),
        ]
        indexes = [models.Index(fields=["channel", "kind", "filter_name", "night"])]

    def __str__(self) -> str:
        band = f" {self.filter_name}" if self.filter_name else ""
        return f"master {self.kind}{band} {self.channel} {self.night} v{self.version}"


class ReducedFrame(models.Model):
    """The reduction, photometry and astrometry of one science frame."""

    class Status(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    frame = models.OneToOneField("execution.Frame", on_delete=models.CASCADE,
                                 related_name="reduced")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING,
                              db_index=True)
    error = models.TextField(blank=True)
    path = models.CharField(max_length=500, blank=True, help_text="reduced FITS")
    catalog_path = models.CharField(max_length=500, blank=True, help_text="sources (ECSV)")
    preview_path = models.CharField(max_length=500, blank=True, help_text="PNG")
    master_bias = models.ForeignKey(MasterCalibration, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    master_dark = models.ForeignKey(MasterCalibration, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    master_flat = models.ForeignKey(MasterCalibration, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    n_sources = models.PositiveIntegerField(default=0)
    n_matched = models.PositiveIntegerField(default=0)
    fwhm_arcsec = models.FloatField(null=True, blank=True)
    background_e = models.FloatField(null=True, blank=True)
    zero_point = models.FloatField(null=True, blank=True,
                                   help_text="AB mag giving 1 e-/s in the aperture")
    zp_err = models.FloatField(null=True, blank=True)
    zp_stars = models.PositiveIntegerField(default=0)
    wcs_offset_arcsec = models.FloatField(null=True, blank=True,
                                          help_text="header WCS error at the frame centre")
    wcs_rotation_deg = models.FloatField(null=True, blank=True)
    astrometric_rms_arcsec = models.FloatField(null=True, blank=True)
    limiting_mag = models.FloatField(null=True, blank=True, help_text="5 sigma, AB")
    steps = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    timings_s = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-frame__date_obs"]

    def __str__(self) -> str:
        return f"reduced {self.frame_id} ({self.status})"


class BurstResult(models.Model):
    """The afterglow search over a burst follow-up's frames (updated at each new epoch)."""

    key = models.CharField(max_length=64, unique=True,
                           help_text="alert-<id>, request-<id> or sequence-<id>")
    #: The alert's id (pyros.alerts), kept as a plain value so results never block alerts.
    alert_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    request = models.ForeignKey("routines.Request", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="burst_results")
    sequence = models.ForeignKey("routines.Sequence", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="burst_results")
    trigger_time = models.DateTimeField()
    circle_ra_deg = models.FloatField()
    circle_dec_deg = models.FloatField()
    circle_radius_deg = models.FloatField()
    frames = models.ManyToManyField("execution.Frame", related_name="burst_results",
                                    blank=True)
    n_frames = models.PositiveIntegerField(default=0)
    found = models.BooleanField(default=False)
    kind = models.CharField(max_length=16, blank=True, help_text="new or brightened")
    reason = models.CharField(max_length=255, blank=True)
    ra_deg = models.FloatField(null=True, blank=True)
    dec_deg = models.FloatField(null=True, blank=True)
    position_err_arcsec = models.FloatField(null=True, blank=True)
    mag = models.FloatField(null=True, blank=True, help_text="first detection, AB")
    mag_err = models.FloatField(null=True, blank=True)
    mag_t_s = models.FloatField(null=True, blank=True, help_text="its time since trigger")
    filter_name = models.CharField(max_length=16, blank=True)
    decay_index = models.FloatField(null=True, blank=True, help_text="alpha in F ~ t^-alpha")
    decay_index_err = models.FloatField(null=True, blank=True)
    light_curve = models.JSONField(default=list, blank=True)
    report_path = models.CharField(max_length=500, blank=True)
    light_curve_png = models.CharField(max_length=500, blank=True)
    sent_to_fsc = models.BooleanField(default=False)
    #: Digest of the last payload sent, so a retried task never sends the same one twice.
    sent_digest = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-trigger_time"]

    def __str__(self) -> str:
        return f"burst {self.key}: {'found' if self.found else 'nothing'}"
