-- Alerts (docs/metrics.md section 12): one row per alert raised.
-- arpu_decline / arpa_decline: a month-over-month change below
-- -decline_threshold, for the whole base and for every segment with at
-- least min_segment_accounts paying accounts in both months.
-- new_below_blended: the month's new accounts have a lower ARPA than all.
{%- set threshold = var('decline_threshold') %}
{%- set min_accounts = var('min_segment_accounts') %}

with

monthly as (

    select * from {{ ref('mart_arpu_monthly') }}

),

segments as (

    select * from {{ ref('mart_arpu_by_segment') }}

),

-- Each segment's paying accounts a month earlier.
segment_months as (

    select * from {{ ref('int_segment_months') }}

),

segment_changes as (

    select
        segments.month,
        segments.segment_type,
        segments.segment_value,
        segments.arpa_mom_change,
        segments.arpu_mom_change
    from segments
    inner join segment_months
        on
            segments.month = segment_months.month
            and segments.segment_type = segment_months.segment_type
            and segments.segment_value = segment_months.segment_value
    where
        segments.paying_accounts >= {{ min_accounts }}
        and segment_months.previous_paying_accounts >= {{ min_accounts }}

),

candidates as (

    {% for metric in ['arpa', 'arpu'] %}
        select
            month,
            '{{ metric }}_decline' as alert_type,
            'all' as segment_type,
            'all' as segment_value,
            {{ metric }}_mom_change as metric_value,
            -{{ threshold }} as threshold
        from monthly
        union all
        select
            month,
            '{{ metric }}_decline' as alert_type,
            segment_type,
            segment_value,
            {{ metric }}_mom_change as metric_value,
            -{{ threshold }} as threshold
        from segment_changes
        union all
    {% endfor %}
    select
        month,
        'new_below_blended' as alert_type,
        'all' as segment_type,
        'all' as segment_value,
        new_arpa as metric_value,
        arpa as threshold
    from monthly

),

final as (

    select
        month,
        alert_type,
        segment_type,
        segment_value,
        cast(metric_value as {{ type_double() }}) as metric_value,
        cast(threshold as {{ type_double() }}) as threshold
    from candidates
    -- Strictly below; a change of exactly the threshold is not an alert,
    -- whatever float noise the ratios carry (1e-9 is far below any
    -- threshold a person would set).
    where metric_value < threshold - 1e-9

)

select * from final
