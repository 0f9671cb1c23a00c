-- Enrolment merges (issue 16): the float64 sum of unit samples; NULL = unit(embedding) x total_samples, so existing rows need no rewrite.
ALTER TABLE "profiles" ADD COLUMN "sample_sum" "bytea";