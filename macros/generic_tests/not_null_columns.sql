{#- No row of `model` has a NULL in any of `columns`: dbt's not_null for
    several columns of a model at once, in one query over the model and one
    test node. A failing row names a column and how many rows are NULL in
    it. -#}
{% test not_null_columns(model, columns) %}

with

null_counts as (

    select
        {%- for column in columns %}
        sum(case when {{ column }} is null then 1 else 0 end) as {{ column }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ model }}

),

final as (

    {%- for column in columns %}
    select
        '{{ column }}' as null_column,
        {{ column }} as null_rows
    from null_counts
    where {{ column }} > 0
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select * from final

{% endtest %}
