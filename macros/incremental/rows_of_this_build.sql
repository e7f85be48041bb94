{#- Which rows a data test reads (docs/incremental.md, "Which tests run
    when"). dbt's generic tests read the model they test through
    get_where_subquery, and dbt_project.yml dispatches dbt's macro to this
    one. A model that stamps each row with the invocation that computed it
    names that column in its config (meta `computed_in`): its tests read the
    rows of this build only, which is every row after a full build and the
    rows it recomputed after an incremental one, so that a test costs what
    the build changed, not what the table holds. A test's own `where`
    applies as in dbt. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set stamp = arpu.computed_in_column(relation) -%}
    {%- if stamp -%}
        {%- do conditions.append(stamp ~ " = '" ~ invocation_id ~ "'") -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The column that stamps each row of the model behind `relation` with
    the invocation that computed it (config meta `computed_in`), or none. -#}
{% macro computed_in_column(relation) %}
    {%- if execute and relation.identifier -%}
        {%- for node in graph.nodes.values()
              if node.resource_type == 'model' and node.name == relation.identifier -%}
            {{ return(node.config.meta.get('computed_in')) }}
        {%- endfor -%}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}
