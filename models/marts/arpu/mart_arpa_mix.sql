-- Did blended ARPA move because segments changed their ARPA (rate) or
-- because the customer mix shifted (mix)? docs/metrics.md section 14.
-- Grain: month x segment type; NULLs where M-1 or M has no paying account.
with

months as (

    select * from {{ ref('int_reporting_months') }}

),

monthly as (

    select * from {{ ref('mart_arpu_monthly') }}

),

segments as (

    select * from {{ ref('mart_arpu_by_segment') }}

),

segment_types as (

    {{ segment_types_rows() }}

),

weighted as (

    select
        segments.month,
        segments.segment_type,
        segments.segment_value,
        segments.arpa,
        {{ safe_ratio('segments.paying_accounts', 'monthly.paying_accounts') }}
            as weight
    from segments
    inner join monthly
        on segments.month = monthly.month

),

-- The segments to compare in M: those paying in M or in M-1.
segment_keys as (

    select
        month,
        segment_type,
        segment_value
    from weighted
    union
    select
        {{ add_months('month', 1) }} as month,
        segment_type,
        segment_value
    from weighted

),

-- Each of them with its weight and ARPA in both months.
segment_pairs as (

    select
        months.month,
        segment_keys.segment_type,
        segment_keys.segment_value,
        current_month.weight,
        current_month.arpa,
        previous_month.weight as previous_weight,
        previous_month.arpa as previous_arpa
    from months
    inner join segment_keys
        on months.month = segment_keys.month
    left join weighted as current_month
        on
            segment_keys.month = current_month.month
            and segment_keys.segment_type = current_month.segment_type
            and segment_keys.segment_value = current_month.segment_value
    left join weighted as previous_month
        on
            months.previous_month = previous_month.month
            and segment_keys.segment_type = previous_month.segment_type
            and segment_keys.segment_value = previous_month.segment_value

),

effects as (

    select
        month,
        segment_type,
        sum(
            case
                when weight is not null and previous_weight is not null
                    then previous_weight * (arpa - previous_arpa)
                else 0
            end
        ) as rate_effect,
        sum(
            case
                when weight is not null and previous_weight is not null
                    then (weight - previous_weight) * previous_arpa
                when weight is not null then weight * arpa
                else -previous_weight * previous_arpa
            end
        ) as mix_effect,
        sum(
            case
                when weight is not null and previous_weight is not null
                    then (weight - previous_weight) * (arpa - previous_arpa)
                else 0
            end
        ) as interaction
    from segment_pairs
    group by 1, 2

),

blended as (

    select
        month,
        arpa,
        -- NULL when M or M-1 has no paying account.
        arpa - lag(arpa) over (order by month) as arpa_change
    from monthly

),

final as (

    select
        blended.month,
        segment_types.segment_type,
        blended.arpa_change,
        case
            when blended.arpa_change is not null
                then effects.rate_effect
        end as rate_effect,
        case
            when blended.arpa_change is not null
                then effects.mix_effect
        end as mix_effect,
        case
            when blended.arpa_change is not null
                then effects.interaction
        end as interaction
    from blended
    cross join segment_types
    left join effects
        on
            blended.month = effects.month
            and segment_types.segment_type = effects.segment_type

)

select * from final
