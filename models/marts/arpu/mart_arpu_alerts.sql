-- Alerts (docs/metrics.md section 12): one row per alert raised.
-- arpu_decline / arpa_decline: a month-over-month change below
-- -decline_threshold, for the whole base and for every segment with at
-- least min_segment_accounts paying accounts in both months.
-- new_below_blended: the month's new accounts have a lower ARPA than all.
{%- set threshold = arpu_var('decline_threshold') %}
{%- set min_accounts = arpu_var('min_segment_accounts') %}

with

-- ARPA, ARPU, their change and the paying accounts of both months, for
-- the whole base (segment type all) and every segment.
segment_months as (

    select * from {{ ref('int_segment_months') }}

),

monthly as (

    select * from segment_months
    where segment_type = '{{ whole_base() }}'

),

segment_changes as (

    select
        month,
        segment_type,
        segment_value,
        arpa_mom_change,
        arpu_mom_change
    from segment_months
    where
        segment_type != '{{ whole_base() }}'
        and paying_accounts >= {{ min_accounts }}
        and previous_paying_accounts >= {{ min_accounts }}

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
