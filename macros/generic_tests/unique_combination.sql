{#- No two rows share the same values of `columns` (a grain test: dbt has
    no built-in one and dbt_utils cannot be installed here). -#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as rows_with_key
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
