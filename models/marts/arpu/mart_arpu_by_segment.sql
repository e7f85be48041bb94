-- ARPU and ARPA per month, segment type and segment value (docs/metrics.md
-- section 8). Only segments with a paying account in the month have a row.
with

segments as (

    select * from {{ ref('int_account_month_segments') }}

),

aggregated as (

    select
        month,
        segment_type,
        segment_value,
        count(*) as paying_accounts,
        sum(user_count) as paying_users,
        sum(mrr) as mrr,
        sum(case when is_new then 1 else 0 end) as new_accounts,
        sum(case when is_new then mrr else 0 end) as new_mrr
    from segments
    group by 1, 2, 3

),

with_ratios as (

    select
        *,
        {{ safe_ratio('mrr', 'paying_accounts') }} as arpa,
        {{ safe_ratio('mrr', 'paying_users') }} as arpu,
        {{ safe_ratio('new_mrr', 'new_accounts') }} as new_arpa,
        {{ safe_ratio(
            'mrr', 'sum(mrr) over (partition by month, segment_type)') }}
            as mrr_share,
        {{ add_months('month', -1) }} as previous_month
    from aggregated

),

-- Against the same segment a month earlier, when it had a row then.
compared as (

    select
        current_month.*,
        current_month.arpa / previous_month.arpa - 1 as arpa_mom_change
    from with_ratios as current_month
    left join with_ratios as previous_month
        on
            current_month.previous_month = previous_month.month
            and current_month.segment_type = previous_month.segment_type
            and current_month.segment_value = previous_month.segment_value

),

final as (

    select
        month,
        segment_type,
        segment_value,
        cast(paying_accounts as {{ dbt.type_bigint() }}) as paying_accounts,
        cast(paying_users as {{ dbt.type_bigint() }}) as paying_users,
        mrr,
        arpa,
        arpu,
        cast(new_accounts as {{ dbt.type_bigint() }}) as new_accounts,
        new_arpa,
        arpa_mom_change,
        mrr_share
    from compared

)

select * from final
