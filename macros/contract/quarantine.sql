{#- The quarantine's one rule: a row of an `int_<table>_checked` model is
    accepted when its rejection_reasons is NULL, and rejected otherwise.
    Models read the rows they need through `accepted` and `rejected` (a
    query of the checked table) rather than through a view per table and
    verdict. -#}

{% macro accepted(table, columns='*') -%}
    select {{ columns }} from {{ arpu._checked_relation(table) }}
    where rejection_reasons is null
{%- endmacro %}

{% macro rejected(table, columns='*') -%}
    select {{ columns }} from {{ arpu._checked_relation(table) }}
    where rejection_reasons is not null
{%- endmacro %}

{#- A contract table's name is its checked model, ref'd (the caller depends
    on it); a relation, as a generic test's `to: ref(...)` argument, is used
    as it is. -#}
{% macro _checked_relation(table) -%}
    {{ ref('int_' ~ table ~ '_checked') if table is string else table }}
{%- endmacro %}
