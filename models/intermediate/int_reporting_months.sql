-- metrics.md section 6: every month from the earliest period start or
-- invoice date of the lines that count to the as-of month, each with its
-- MRR snapshot date (section 3): the month's last day, or the as-of date in
-- the as-of month.
with

line_items as (

    select * from {{ ref('int_invoice_line_items_normalized') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

bounds as (

    select
        {{ month_of('min(line_items.period_start)') }} as first_period_month,
        {{ month_of('min(line_items.invoice_date)') }} as first_invoice_month,
        {{ month_of('max(as_of.as_of_date)') }} as as_of_month,
        max(as_of.as_of_date) as as_of_date
    from line_items
    cross join as_of

),

-- 120,000 months of offsets, enough from year 1 to 9999; the spine is cut
-- to the bounds (tests/dbt/assert_months_reach_the_as_of_month.sql).
offsets as (

    {{ dbt.generate_series(120000) }}

),

spine as (

    select
        {{ add_months(
            'least(coalesce(bounds.first_period_month, bounds.first_invoice_month),'
            ~ ' bounds.first_invoice_month)',
            'offsets.generated_number - 1') }} as month,
        bounds.as_of_month,
        bounds.as_of_date
    from bounds
    cross join offsets

),

final as (

    select
        month,
        cast({{ dbt.last_day('month', 'month') }} as date) as month_end,
        {{ add_months('month', 1) }} as next_month,
        {{ add_months('month', -1) }} as previous_month,
        least(
            cast({{ dbt.last_day('month', 'month') }} as date), as_of_date
        ) as snapshot_date,
        as_of_date,
        month = as_of_month as is_as_of_month,
        row_number() over (order by month) as month_number
    from spine
    where month <= as_of_month

)

select * from final
