{{/* The release's base name. */}}
{{- define "meridian.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "meridian.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "meridian.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "meridian.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "meridian.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "meridian.fullname" .)) -}}
{{- end -}}

{{- define "meridian.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "meridian.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* The environment every Meridian container shares (list items). */}}
{{- define "meridian.env" -}}
- name: MERIDIAN_CONFIG
  value: /etc/meridian/meridian.toml
- name: MERIDIAN_PUBLIC_URL
  value: {{ .Values.publicUrl | quote }}
- name: MERIDIAN_DATA_DIR
  value: /tmp/meridian
{{- end -}}

{{/* The rest every Meridian container shares: image, secrets, security, mounts. Called with
(dict "root" $ "hook" bool): the migrations hook reads the hook's own copies of the secret and the config. */}}
{{- define "meridian.containerCommon" -}}
{{- $root := .root -}}
image: {{ include "meridian.image" $root | quote }}
imagePullPolicy: {{ $root.Values.image.pullPolicy }}
envFrom:
  - secretRef:
      name: {{ if .hook }}{{ include "meridian.hookSecretName" $root }}{{ else }}{{ include "meridian.secretName" $root }}{{ end }}
securityContext:
  {{- toYaml $root.Values.securityContext | nindent 2 }}
volumeMounts:
  - name: config
    mountPath: /etc/meridian
    readOnly: true
  - name: tmp
    mountPath: /tmp
{{- end -}}

{{/* Volumes of every Meridian pod; (dict "root" $ "hook" bool) as above. */}}
{{- define "meridian.volumes" -}}
- name: config
  configMap:
    name: {{ include "meridian.fullname" .root }}-{{ if .hook }}migrate-{{ end }}config
- name: tmp
  emptyDir:
    sizeLimit: 1Gi
{{- end -}}

{{/*
The migrations Job is a pre-install hook: Helm creates hooks before the release's other resources, so on a first
install the chart's ConfigMap, Secret and ServiceAccount do not exist yet when it starts. It reads copies of its
own, hooks themselves with a lower weight (created first, deleted once the hooks succeeded). An existing Secret
or ServiceAccount the operator made is used as it is.
*/}}
{{- define "meridian.hookSecretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-migrate-secrets" (include "meridian.fullname" .)) -}}
{{- end -}}

{{- define "meridian.hookServiceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- printf "%s-migrate" (include "meridian.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* The annotations of the migrations hook's own resources: before the Job (weight 0). */}}
{{- define "meridian.hookResourceAnnotations" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: "-10"
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end -}}

{{/* meridian.toml rendered from the `config` values (the data of the config ConfigMaps). */}}
{{- define "meridian.configToml" -}}
# Rendered from the chart's `config` values; secrets come from the environment (MERIDIAN_*).
{{- /* Plain keys first: in TOML, a key after a [table] header belongs to that table. */}}
{{- range $key, $value := .Values.config }}
{{- if not (kindIs "map" $value) }}
{{ $key }} = {{ if kindIs "string" $value }}{{ $value | quote }}{{ else }}{{ $value | toJson }}{{ end }}
{{- end }}
{{- end }}
{{- range $key, $value := .Values.config }}
{{- if kindIs "map" $value }}

[{{ $key }}]
{{- range $k, $v := $value }}
{{ $k }} = {{ if kindIs "string" $v }}{{ $v | quote }}{{ else }}{{ $v | toJson }}{{ end }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}
