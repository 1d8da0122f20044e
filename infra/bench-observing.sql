-- Seeds the observing benchmark (infra/bench.sh, part d): 1,000 night logs (500 nights × 2 telescopes) with 100
-- entries each, 100,000 entries in all, every one with its first version and one to three tags, some reporting
-- time lost. Called with psql variables ws, acct, tel1, tel2 (uuids of what the API created).
--
-- Entries are spread over each night from 18:00 to 05:54 UTC (every 7 minutes and 8 seconds); tags and words
-- cycle with co-prime periods, so filters select realistic, varied fractions: each tag about 1 entry in 10 to
-- 1 in 5, the word "wind" about 1 in 7.

\set ON_ERROR_STOP on
BEGIN;

CREATE TEMP TABLE bench_nights AS
SELECT gen_random_uuid() AS id,
       CASE WHEN i % 2 = 0 THEN :'tel1'::uuid ELSE :'tel2'::uuid END AS telescope_id,
       (DATE '2024-01-01' + (i / 2)) AS night
FROM generate_series(0, 999) AS i;

INSERT INTO night_logs (id, workspace_id, telescope_id, night, starts_at, ends_at, observers, seeing_arcsec,
                        transparency, weather, summary, status, visibility, created_by, created_at, updated_at)
SELECT n.id, :'ws'::uuid, n.telescope_id, n.night,
       (n.night + TIME '12:00') AT TIME ZONE 'UTC', (n.night + 1 + TIME '12:00') AT TIME ZONE 'UTC',
       'Bench Observer', 0.6 + (extract(doy FROM n.night)::int % 15) / 10.0, 'clear', 'Calm, dry.',
       'A night like any other.', 'closed', 'public', :'acct'::uuid, now(), now()
FROM bench_nights n;

CREATE TEMP TABLE bench_entries AS
SELECT gen_random_uuid() AS id, n.id AS log_id, n.telescope_id, n.night, k,
       (n.night + TIME '18:00') AT TIME ZONE 'UTC' + k * INTERVAL '428 seconds' AS occurred_at,
       (ARRAY['Dome open', 'Target acquired', 'Focus run', 'Guiding lost', 'Seeing measured',
              'Humidity rising', 'Flats taken', 'Wind gusts', 'Filter wheel stuck', 'Dome closed',
              'Pointing model updated', 'Calibration arcs', 'Cloud passing'])[1 + (k * 3 + n.night - DATE '2024-01-01') % 13]
         || ': ' || (ARRAY['all nominal', 'strong wind from the north', 'seeing 0.9 arcsec', 'guider recovered',
                          'waiting for clouds to clear', 'humidity 85 percent', 'wind easing'])[1 + (k + n.night - DATE '2024-01-01') % 7]
         || ' (entry ' || k || ')' AS body,
       (ARRAY['info', 'info', 'info', 'warning', 'problem'])[1 + k % 5] AS level,
       CASE WHEN k % 23 = 0 THEN 15 + k % 60 END AS lost,
       (ARRAY['weather', 'technical', 'other'])[1 + k % 3] AS category,
       (ARRAY['dome', 'seeing', 'guiding', 'focus', 'weather', 'humidity', 'wind', 'instrument', 'calibration',
              'target'])[1 + (k * 7 + (n.night - DATE '2024-01-01')) % 10] AS tag1,
       (ARRAY['dome', 'seeing', 'guiding', 'focus', 'weather', 'humidity', 'wind', 'instrument', 'calibration',
              'target', 'pointing'])[1 + (k * 3 + 1) % 11] AS tag2
FROM bench_nights n, generate_series(0, 99) AS k;

INSERT INTO log_entries (id, workspace_id, night_log_id, telescope_id, night, occurred_at, level, body, body_search, tags,
                         links, time_lost_minutes, time_lost_category, author_id, version, edited_by, edited_at,
                         deleted_at, deleted_by, created_at)
SELECT e.id, :'ws'::uuid, e.log_id, e.telescope_id, e.night, e.occurred_at, e.level, e.body, lower(e.body),
       CASE WHEN e.tag1 = e.tag2 THEN json_build_array(e.tag1)::text
            WHEN e.tag1 < e.tag2 THEN json_build_array(e.tag1, e.tag2)::text
            ELSE json_build_array(e.tag2, e.tag1)::text END,
       '[]', e.lost, CASE WHEN e.lost IS NOT NULL THEN e.category END, :'acct'::uuid, 1, :'acct'::uuid,
       e.occurred_at, NULL, NULL, e.occurred_at
FROM bench_entries e;

INSERT INTO entry_versions (id, entry_id, version, occurred_at, level, body, tags, links, time_lost_minutes,
                            time_lost_category, edited_by, edited_at)
SELECT gen_random_uuid(), l.id, 1, l.occurred_at, l.level, l.body, l.tags, l.links, l.time_lost_minutes,
       l.time_lost_category, l.author_id, l.edited_at
FROM log_entries l JOIN bench_entries e ON e.id = l.id;

INSERT INTO entry_tags (entry_id, tag, workspace_id, night)
SELECT DISTINCT e.id, t.tag, :'ws'::uuid, e.night
FROM bench_entries e, LATERAL (VALUES (e.tag1), (e.tag2)) AS t(tag);

COMMIT;
ANALYZE night_logs;
ANALYZE log_entries;
ANALYZE entry_versions;
ANALYZE entry_tags;
