-- MetricFlow's time spine: one row per day of the months reported
-- (docs/metrics.md section 6). MetricFlow joins metric_time to it; days
-- outside the reported months would only invent empty periods.
with

reporting_months as (

    select * from {{ ref('int_reporting_months') }}

),

day_offsets as (

    {{ dbt.generate_series(31) }}

),

month_days as (

    select
        reporting_months.next_month,
        cast(
            {{ dbt.dateadd(
                'day', 'day_offsets.generated_number - 1',
                'reporting_months.month') }}
            as date
        ) as date_day
    from reporting_months
    cross join day_offsets

),

final as (

    select date_day
    from month_days
    where date_day < next_month

)

select * from final
