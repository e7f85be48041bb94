-- Did blended ARPA move because segments changed their ARPA (rate) or
-- because the customer mix shifted (mix)? docs/metrics.md section 14.
-- Grain: month x segment type; NULLs where M-1 or M has no paying account.
with

-- Blended paying accounts and ARPA, and the month before's.
paying_months as (

    select * from {{ ref('int_segment_months') }}
    where segment_type = '{{ whole_base() }}'

),

-- The segments paying in M or in M-1, with both months' values.
segment_months as (

    select * from {{ ref('int_segment_months') }}
    where segment_type != '{{ whole_base() }}'

),

segment_types as (

    {{ segment_types_rows() }}

),

-- Each segment's weight w_s = paying_accounts_s / paying_accounts and ARPA
-- in both months; a weight is NULL in a month the segment does not pay.
segment_pairs as (

    select
        segment_months.month,
        segment_months.segment_type,
        segment_months.segment_value,
        case
            when segment_months.paying_accounts > 0
                then {{ safe_ratio(
                    'segment_months.paying_accounts',
                    'paying_months.paying_accounts') }}
        end as weight,
        segment_months.arpa,
        case
            when segment_months.previous_paying_accounts > 0
                then {{ safe_ratio(
                    'segment_months.previous_paying_accounts',
                    'paying_months.previous_paying_accounts') }}
        end as previous_weight,
        segment_months.previous_arpa
    from segment_months
    inner join paying_months
        on segment_months.month = paying_months.month

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
        arpa - previous_arpa as arpa_change
    from paying_months

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
