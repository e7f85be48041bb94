-- ARPU and ARPA per month, segment type and segment value (docs/metrics.md
-- section 8). Only segments with a paying account in the month have a row.
with

segment_months as (

    select * from {{ ref('int_segment_months') }}
    where paying_accounts > 0

),

-- Against the same segment a month earlier: NULL when it had no row then
-- (no paying account, so no previous ARPA or ARPU).
with_changes as (

    select
        *,
        arpa / previous_arpa - 1 as arpa_mom_change,
        arpu / previous_arpu - 1 as arpu_mom_change,
        {{ safe_ratio(
            'mrr', 'sum(mrr) over (partition by month, segment_type)') }}
            as mrr_share
    from segment_months

),

final as (

    select
        month,
        segment_type,
        segment_value,
        paying_accounts,
        paying_users,
        mrr,
        arpa,
        arpu,
        new_accounts,
        new_arpa,
        arpa_mom_change,
        arpu_mom_change,
        mrr_share
    from with_changes

)

select * from final
