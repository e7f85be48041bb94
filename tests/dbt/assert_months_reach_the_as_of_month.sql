-- docs/metrics.md section 6: the months reported run without a gap from
-- the first month to the as-of month. Fails if the spine stops short; the
-- failing row names the month it should reach (month, the as-of month)
-- and the months it has. No float is compared.
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

    select
        {{ month_of('as_of_date') }} as month,
        'int_reporting_months' as model_name,
        first_month,
        last_month,
        months_reported,
        as_of_date
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
