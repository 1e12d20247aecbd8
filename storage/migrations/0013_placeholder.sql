-- Placeholder: keeps the migration numbers without gaps until the migration that takes
-- this number is merged; it changes nothing. Remove it when that migration arrives.
SELECT 1;
