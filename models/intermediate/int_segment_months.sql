-- Each segment's paying accounts, users, MRR, ARPA and ARPU in a month, with
-- the same segment's values a month earlier and the month-over-month change
-- (docs/metrics.md sections 7, 8, 11, 12 and 14), and the same for the
-- whole base as segment type `all`: the one place ARPA, ARPU, "the month
-- before" and their change are computed, which the monthly, segment, bridge,
-- mix and alert marts select. A row for every reported month, segment type
-- and value with a paying account in the month or in the month before, and
-- for every reported month of the whole base (before the first one nobody
-- pays); not paying counts 0 accounts and 0 MRR, with no ratios. Grain:
-- month x segment type x value.
with

months as (

    select * from {{ ref('int_reporting_months') }}

),

paying as (

    select * from {{ ref('int_account_months') }}
    where is_paying

),

-- One aggregate per segment type, and one for the whole base.
aggregated as (

    {% for segment_type in [whole_base()] + segment_types() %}
        select
            month,
            '{{ segment_type }}' as segment_type,
            {% if segment_type == whole_base() -%}
                '{{ whole_base() }}'
            {%- else -%}
                {{ segment_type }}
            {%- endif %} as segment_value,
            count(*) as paying_accounts,
            sum(user_count) as paying_users,
            sum(mrr) as mrr,
            sum(case when is_new then 1 else 0 end) as new_accounts,
            sum(case when is_new then mrr else 0 end) as new_mrr
        from paying
        group by 1, 2, 3
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

with_ratios as (

    select
        *,
        {{ safe_ratio('mrr', 'paying_accounts') }} as arpa,
        {{ safe_ratio('mrr', 'paying_users') }} as arpu,
        {{ safe_ratio('new_mrr', 'new_accounts') }} as new_arpa
    from aggregated

),

-- The segment-months to compare: paying now, or paying the month before.
candidates as (

    select
        month,
        segment_type,
        segment_value
    from aggregated
    union
    select
        months.month,
        aggregated.segment_type,
        aggregated.segment_value
    from aggregated
    inner join months
        on aggregated.month = months.previous_month
    union
    -- The whole base has a row in every reported month.
    select
        month,
        '{{ whole_base() }}' as segment_type,
        '{{ whole_base() }}' as segment_value
    from months

),

compared as (

    select
        candidates.month,
        candidates.segment_type,
        candidates.segment_value,
        cast(
            coalesce(current_month.paying_accounts, 0)
            as {{ dbt.type_bigint() }}
        ) as paying_accounts,
        cast(
            coalesce(current_month.paying_users, 0) as {{ dbt.type_bigint() }}
        ) as paying_users,
        coalesce(current_month.mrr, 0) as mrr,
        cast(
            coalesce(current_month.new_accounts, 0) as {{ dbt.type_bigint() }}
        ) as new_accounts,
        current_month.arpa,
        current_month.arpu,
        current_month.new_arpa,
        cast(
            coalesce(previous_month.paying_accounts, 0)
            as {{ dbt.type_bigint() }}
        ) as previous_paying_accounts,
        coalesce(previous_month.mrr, 0) as previous_mrr,
        previous_month.arpa as previous_arpa,
        previous_month.arpu as previous_arpu
    from candidates
    inner join months
        on candidates.month = months.month
    left join with_ratios as current_month
        on
            candidates.month = current_month.month
            and candidates.segment_type = current_month.segment_type
            and candidates.segment_value = current_month.segment_value
    left join with_ratios as previous_month
        on
            months.previous_month = previous_month.month
            and candidates.segment_type = previous_month.segment_type
            and candidates.segment_value = previous_month.segment_value

),

-- NULL where M or M-1 has no ARPA (ARPU).
final as (

    select
        *,
        arpa / previous_arpa - 1 as arpa_mom_change,
        arpu / previous_arpu - 1 as arpu_mom_change
    from compared

)

select * from final
