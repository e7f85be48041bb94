-- docs/metrics.md sections 13 and 14: the parts of each decomposition add
-- up to the change they explain (to 1e-6: the effects are products of
-- ratios), and the bridge explains the month-over-month MRR change.
with

bridge as (

    select * from {{ ref('mart_mrr_bridge') }}

),

mix as (

    select * from {{ ref('mart_arpa_mix') }}

),

monthly as (

    select
        month,
        mrr,
        coalesce(lag(mrr) over (order by month), 0) as previous_mrr
    from {{ ref('mart_arpu_monthly') }}

),

bridge_checked as (

    select
        bridge.month,
        'mart_mrr_bridge' as model_name,
        cast(null as {{ dbt.type_string() }}) as segment_type
    from bridge
    inner join monthly
        on bridge.month = monthly.month
    where
        abs(
            bridge.mrr_change - bridge.customer_effect
            - bridge.arpa_effect - bridge.interaction
        ) > 1e-6
        or bridge.mrr_change != monthly.mrr - monthly.previous_mrr

),

mix_checked as (

    select
        month,
        'mart_arpa_mix' as model_name,
        segment_type
    from mix
    where
        abs(arpa_change - rate_effect - mix_effect - interaction) > 1e-6
        or (arpa_change is null) != (rate_effect is null)

),

final as (

    select * from bridge_checked
    union all
    select * from mix_checked

)

select * from final
