-- Every paying account-month once per segment type (docs/metrics.md
-- section 8), with the account's value of that segment, and once more as
-- the whole base (segment type and value `all`): the long form that
-- int_segment_months aggregates, so that the whole base and each segment
-- get their ARPA and their month before from one rule.
with

customers as (

    select * from {{ ref('int_paying_account_months') }}

),

unpivoted as (

    {% for segment_type in [whole_base()] + segment_types() %}
        select
            account_id,
            month,
            '{{ segment_type }}' as segment_type,
            {% if segment_type == whole_base() -%}
                '{{ whole_base() }}'
            {%- else -%}
                {{ segment_type }}
            {%- endif %} as segment_value,
            mrr,
            user_count,
            is_new
        from customers
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        account_id,
        month,
        segment_type,
        segment_value,
        mrr,
        user_count,
        is_new
    from unpivoted

)

select * from final
