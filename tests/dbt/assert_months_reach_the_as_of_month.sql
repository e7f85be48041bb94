-- docs/metrics.md section 6: the months reported run without a gap from
-- the first month to the as-of month. Fails if the spine stops short.
with

months as (

    select * from {{ ref('int_reporting_months') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

summary as (

    select
        count(*) as months_reported,
        max(months.month) as last_month,
        min(months.month) as first_month,
        max(as_of.as_of_date) as as_of_date
    from months
    cross join as_of

),

final as (

    select *
    from summary
    where
        months_reported > 0
        and (
            last_month != {{ month_of('as_of_date') }}
            or months_reported
            != {{ calendar_months_between('first_month', 'last_month') }} + 1
        )

)

select * from final
