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

{{/* The rest every Meridian container shares: image, secrets, security, mounts. */}}
{{- define "meridian.containerCommon" -}}
image: {{ include "meridian.image" . | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
envFrom:
  - secretRef:
      name: {{ include "meridian.secretName" . }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: config
    mountPath: /etc/meridian
    readOnly: true
  - name: tmp
    mountPath: /tmp
{{- end -}}

{{- define "meridian.volumes" -}}
- name: config
  configMap:
    name: {{ include "meridian.fullname" . }}-config
- name: tmp
  emptyDir:
    sizeLimit: 1Gi
{{- end -}}
