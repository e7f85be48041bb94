{#- Every non-NULL `column_name` of `model` is the key `field` of an
    accepted row of the checked model `to` (macros/contract/quarantine.sql): dbt's
    relationships test, with the parent read through the quarantine's rule.
    On a checked child, `config: where` keeps its accepted rows. -#}
{% test relationship_to_accepted(model, column_name, to, field) %}

with

child as (

    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null

),

parent as (

    {{ arpu.accepted(to, field ~ ' as to_field') }}

)

select child.from_field
from child
left join parent
    on child.from_field = parent.to_field
where parent.to_field is null

{% endtest %}
