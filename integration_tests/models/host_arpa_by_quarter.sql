-- The host's own model on top of the package: ARPA per quarter, as the mean
-- of its months' ARPA (a report the host wants, not a metric of arpu).
with

monthly as (

    select * from {{ ref('mart_arpu_monthly') }}

),

final as (

    select
        cast({{ dbt.date_trunc('quarter', 'month') }} as date) as quarter,
        count(*) as months,
        avg(arpa) as mean_monthly_arpa
    from monthly
    group by 1

)

select * from final
