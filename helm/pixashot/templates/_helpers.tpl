{{/*
Chart name, truncated to the 63 characters a DNS label allows.
*/}}
{{- define "pixashot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: the release name, plus the chart name unless the release name holds it already.
*/}}
{{- define "pixashot.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "pixashot.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every object.
*/}}
{{- define "pixashot.labels" -}}
helm.sh/chart: {{ include "pixashot.chart" . }}
{{ include "pixashot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pixashot
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels: stable for the life of a release (a Deployment's selector cannot change).
*/}}
{{- define "pixashot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pixashot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "pixashot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pixashot.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "pixashot.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
A config value as the string an environment variable holds. Numbers from values files arrive as float64,
and a plain print would turn 268435456 into "2.68435456e+08": whole numbers are printed as integers.
*/}}
{{- define "pixashot.envValue" -}}
{{- if kindIs "float64" . }}
{{- if eq . (float64 (int64 .)) }}{{ int64 . }}{{ else }}{{ . }}{{ end }}
{{- else if kindIs "invalid" . }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}

{{/*
The Secret the pods read: the user's existingSecret or the chart's.
*/}}
{{- define "pixashot.secretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- include "pixashot.fullname" . }}
{{- end }}
{{- end }}

{{/*
"true" when the chart generates AUTH_TOKENS: asked to, and no token nor existingSecret given.
*/}}
{{- define "pixashot.generateAuthToken" -}}
{{- if and .Values.generateAuthToken (not .Values.existingSecret) (not .Values.secrets.AUTH_TOKEN) (not .Values.secrets.AUTH_TOKENS) -}}
true
{{- end }}
{{- end }}

{{/*
Keys of the Secret the chart makes, one per line (empty when the chart makes none): the non-empty
entries of .Values.secrets, plus AUTH_TOKENS when it is generated.
*/}}
{{- define "pixashot.chartSecretKeys" -}}
{{- if not .Values.existingSecret }}
{{- $keys := list }}
{{- range $k, $v := .Values.secrets }}
{{- if $v }}{{ $keys = append $keys $k }}{{ end }}
{{- end }}
{{- if include "pixashot.generateAuthToken" . }}{{ $keys = append $keys "AUTH_TOKENS" }}{{ end }}
{{- $keys | sortAlpha | join "\n" }}
{{- end }}
{{- end }}

{{/*
Seconds of the app's own shutdown grace, rounded up.
*/}}
{{- define "pixashot.shutdownGraceSeconds" -}}
{{- div (add (int64 .Values.config.SHUTDOWN_GRACE_MS) 999) 1000 }}
{{- end }}

{{/*
terminationGracePeriodSeconds: the value given, which must leave room for the preStop sleep and the
app's shutdown grace, or preStop + grace + terminationGraceExtraSeconds.
*/}}
{{- define "pixashot.terminationGracePeriodSeconds" -}}
{{- $grace := int64 (include "pixashot.shutdownGraceSeconds" .) }}
{{- $floor := add $grace (int64 .Values.lifecycle.preStopSleepSeconds) }}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add $floor (int64 .Values.terminationGraceExtraSeconds) }}
{{- else }}
{{- $given := int64 .Values.terminationGracePeriodSeconds }}
{{- if le $given $floor }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be greater than lifecycle.preStopSleepSeconds + SHUTDOWN_GRACE_MS in seconds (%d): Kubernetes would kill in-flight captures. Raise it, or leave it empty to derive it." $given $floor) }}
{{- end }}
{{- $given }}
{{- end }}
{{- end }}

{{/*
Checks across values that the schema cannot express. Fails the render with every problem found.
*/}}
{{- define "pixashot.validate" -}}
{{- $errors := list }}
{{- if and .Values.serviceMonitor.enabled (not .Values.config.METRICS_ENABLED) }}
{{- $errors = append $errors "serviceMonitor.enabled needs config.METRICS_ENABLED=true (nothing would serve /metrics)" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int64 .Values.autoscaling.minReplicas) (int64 .Values.autoscaling.maxReplicas)) }}
{{- $errors = append $errors "autoscaling.minReplicas must not exceed autoscaling.maxReplicas" }}
{{- end }}
{{- if gt (int64 .Values.config.BROWSER_POOL_MIN) (int64 .Values.config.BROWSER_POOL_MAX) }}
{{- $errors = append $errors "config.BROWSER_POOL_MIN must not exceed config.BROWSER_POOL_MAX" }}
{{- end }}
{{- $slots := mul (int64 .Values.config.BROWSER_POOL_MAX) (int64 .Values.config.BROWSER_MAX_CONCURRENT_PAGES) }}
{{- if gt (int64 .Values.config.MAX_CONCURRENT_CAPTURES) $slots }}
{{- $errors = append $errors (printf "config.MAX_CONCURRENT_CAPTURES must not exceed BROWSER_POOL_MAX x BROWSER_MAX_CONCURRENT_PAGES (%d)" $slots) }}
{{- end }}
{{- if and .Values.ingress.enabled (not .Values.ingress.hosts) }}
{{- $errors = append $errors "ingress.enabled needs at least one entry in ingress.hosts" }}
{{- end }}
{{- if $errors }}
{{- fail (printf "invalid values:\n  - %s" (join "\n  - " $errors)) }}
{{- end }}
{{- end }}

{{/*
Timing fields of a probe from its values (enabled is the template's business).
*/}}
{{- define "pixashot.probeTiming" -}}
{{- $timing := dict }}
{{- range $field := list "initialDelaySeconds" "periodSeconds" "timeoutSeconds" "failureThreshold" "successThreshold" }}
{{- if hasKey $ $field }}{{ $_ := set $timing $field (int64 (get $ $field)) }}{{ end }}
{{- end }}
{{- toYaml $timing }}
{{- end }}
