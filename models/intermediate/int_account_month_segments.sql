-- Every paying account-month once per segment type (docs/metrics.md
-- section 8), with the account's value of that segment: the long form the
-- segment marts and alerts aggregate.
with

customers as (

    select * from {{ ref('dim_active_customers') }}

),

unpivoted as (

    {% for segment_type in segment_types() %}
        select
            account_id,
            month,
            '{{ segment_type }}' as segment_type,
            {{ segment_type }} as segment_value,
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
