-- ARPU and ARPA per month, segment type and segment value (docs/metrics.md
-- section 8). Only segments with a paying account in the month have a row.
with

segment_months as (

    select * from {{ ref('int_segment_months') }}
    where
        paying_accounts > 0
        and segment_type != '{{ whole_base() }}'

),

with_shares as (

    select
        *,
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
    from with_shares

)

select * from final
