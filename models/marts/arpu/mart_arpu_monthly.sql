-- ARPU and ARPA per calendar month (metrics.md section 7).
with

months as (

    select * from {{ ref('int_reporting_months') }}

),

-- Paying accounts, users, MRR, ARPA and ARPU, the month before's and the
-- change: the whole base's rows of int_segment_months.
paying_months as (

    select * from {{ ref('int_segment_months') }}
    where segment_type = '{{ whole_base() }}'

),

customers as (

    select
        *,
        -- Percentiles interpolate: in decimals they would cut at 6 places.
        cast(mrr as {{ type_double() }}) as mrr_value
    from {{ ref('int_account_months') }}
    where is_paying

),

revenue as (

    select * from {{ ref('int_revenue_line_months') }}

),

paying as (

    select
        month,
        sum(gross_mrr) as gross_mrr,
        sum(case when is_new then 1 else 0 end) as new_accounts,
        sum(case when is_new then user_count else 0 end) as new_users,
        sum(case when is_new then mrr else 0 end) as new_mrr,
        stddev_pop(mrr_value) as arpa_stddev,
        {{ percentile_cont('mrr_value', 0.25) }} as arpa_p25,
        {{ percentile_cont('mrr_value', 0.5) }} as arpa_median,
        {{ percentile_cont('mrr_value', 0.75) }} as arpa_p75,
        {{ percentile_cont('mrr_value', 0.9) }} as arpa_p90
    from customers
    group by 1

),

recognized as (

    select
        month,
        sum(recognized_revenue) as total_revenue
    from revenue
    group by 1

),

filled as (

    select
        months.month,
        months.month_number,
        paying_months.paying_accounts,
        paying_months.paying_users,
        paying_months.mrr,
        paying_months.arpa,
        paying_months.arpu,
        paying_months.previous_paying_accounts,
        paying_months.previous_arpa,
        paying_months.previous_arpu,
        paying_months.arpa_mom_change,
        paying_months.arpu_mom_change,
        coalesce(paying.gross_mrr, 0) as gross_mrr,
        coalesce(paying.new_accounts, 0) as new_accounts,
        coalesce(paying.new_users, 0) as new_users,
        coalesce(paying.new_mrr, 0) as new_mrr,
        coalesce(recognized.total_revenue, 0) as total_revenue,
        paying.arpa_stddev,
        paying.arpa_p25,
        paying.arpa_median,
        paying.arpa_p75,
        paying.arpa_p90
    from months
    inner join paying_months
        on months.month = paying_months.month
    left join paying
        on months.month = paying.month
    left join recognized
        on months.month = recognized.month

),

ratios as (

    select
        *,
        {{ safe_ratio('new_mrr', 'new_accounts') }} as new_arpa,
        {{ safe_ratio('new_mrr', 'new_users') }} as new_arpu,
        {{ safe_ratio('gross_mrr', 'paying_accounts') }} as gross_arpa,
        {{ safe_ratio('total_revenue', 'paying_accounts') }} as total_arpa,
        sum(total_revenue) over (
            order by month rows between 11 preceding and current row
        ) as trailing_revenue,
        avg(cast(paying_accounts as {{ arpu.type_double() }})) over (
            order by month rows between 11 preceding and current row
        ) as trailing_avg_paying_accounts
    from filled

),

changes as (

    select
        *,
        -- The month before the first one counts 0 paying accounts.
        case
            when paying_accounts > 0
                then {{ safe_ratio(
                    'mrr', '(previous_paying_accounts + paying_accounts) / 2.0') }}
        end as arpa_period_avg,
        case
            when month_number >= 12 then trailing_revenue
        end as t12m_revenue
    from ratios

),

final as (

    select
        month,
        cast(paying_accounts as {{ dbt.type_bigint() }}) as paying_accounts,
        cast(paying_users as {{ dbt.type_bigint() }}) as paying_users,
        mrr,
        12 * mrr as arr,
        arpa,
        12 * arpa as annual_arpa,
        arpu,
        12 * arpu as annual_arpu,
        arpa_period_avg,
        cast(new_accounts as {{ dbt.type_bigint() }}) as new_accounts,
        new_arpa,
        new_arpu,
        gross_mrr,
        gross_arpa,
        total_revenue,
        total_arpa,
        arpa_stddev,
        arpa_stddev / arpa as arpa_cv,
        arpa_p25,
        arpa_median,
        arpa_p75,
        arpa_p90,
        arpa_mom_change,
        arpu_mom_change,
        t12m_revenue,
        case
            when month_number >= 12
                then {{ safe_ratio(
                    't12m_revenue', 'trailing_avg_paying_accounts') }}
        end as t12m_revenue_per_account
    from changes

)

select * from final
