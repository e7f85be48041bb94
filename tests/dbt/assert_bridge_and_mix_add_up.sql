-- docs/metrics.md sections 13 and 14: the parts of each decomposition add
-- up to the change they explain, and the bridge explains the
-- month-over-month MRR change exactly. A failing row names the month, the
-- model and the segment type, with the values compared.
--
-- The effects are doubles (products of ratios), so they add up only to a
-- tolerance relative to the magnitudes involved: 1e-9 of the largest of
-- them (at least 1). Each effect takes a few double roundings, each off by
-- at most 2^-53 (1.1e-16) of the inputs, and the sums cancel terms no
-- larger than those magnitudes: the error stays below ~1e-14 of them, so
-- 1e-9 leaves a margin of 1e5 (a sum over many segments included) while
-- still catching any mistake bigger than a billionth. An absolute
-- tolerance failed on a valid line of 123456789012.50, where one double
-- step is already off by 1.5e-5.
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
        arpa,
        coalesce(lag(mrr) over (order by month), 0) as previous_mrr,
        lag(arpa) over (order by month) as previous_arpa
    from {{ ref('mart_arpu_monthly') }}

),

bridge_compared as (

    select
        bridge.month,
        'mart_mrr_bridge' as model_name,
        cast(null as {{ dbt.type_string() }}) as segment_type,
        cast(bridge.mrr_change as {{ type_double() }}) as explained_change,
        bridge.customer_effect
        + bridge.arpa_effect
        + bridge.interaction as sum_of_effects,
        bridge.customer_effect as first_effect,
        bridge.arpa_effect as second_effect,
        bridge.interaction,
        cast(monthly.mrr - monthly.previous_mrr as {{ type_double() }})
            as expected_change,
        bridge.mrr_change != monthly.mrr - monthly.previous_mrr
            as is_change_wrong,
        false as is_null_mismatch,
        greatest(
            1,
            abs(cast(monthly.mrr as {{ type_double() }})),
            abs(cast(monthly.previous_mrr as {{ type_double() }})),
            abs(bridge.customer_effect),
            abs(bridge.arpa_effect),
            abs(bridge.interaction)
        ) as magnitude
    from bridge
    inner join monthly
        on bridge.month = monthly.month

),

mix_compared as (

    select
        mix.month,
        'mart_arpa_mix' as model_name,
        mix.segment_type,
        mix.arpa_change as explained_change,
        mix.rate_effect + mix.mix_effect + mix.interaction as sum_of_effects,
        mix.rate_effect as first_effect,
        mix.mix_effect as second_effect,
        mix.interaction,
        -- The mix is not compared with mart_arpu_monthly's change.
        cast(null as {{ type_double() }}) as expected_change,
        false as is_change_wrong,
        (mix.arpa_change is null) != (mix.rate_effect is null)
            as is_null_mismatch,
        greatest(
            1,
            coalesce(abs(monthly.arpa), 0),
            coalesce(abs(monthly.previous_arpa), 0),
            coalesce(abs(mix.rate_effect), 0),
            coalesce(abs(mix.mix_effect), 0),
            coalesce(abs(mix.interaction), 0)
        ) as magnitude
    from mix
    inner join monthly
        on mix.month = monthly.month

),

compared as (

    select * from bridge_compared
    union all
    select * from mix_compared

),

final as (

    select
        month,
        model_name,
        segment_type,
        explained_change,
        sum_of_effects,
        first_effect,
        second_effect,
        interaction,
        expected_change,
        magnitude,
        1e-9 * magnitude as tolerance
    from compared
    where
        abs(explained_change - sum_of_effects) > 1e-9 * magnitude
        or is_change_wrong
        or is_null_mismatch

)

select * from final
