{#- Every row satisfies `expression` (rows where it is NULL pass: the
    columns it reads carry their own not_null tests). -#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
