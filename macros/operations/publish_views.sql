{#
    Spark's publish step for `arpu build --target spark`: point one view
    per table that readers use (the `bi_tools` exposure) at the database a
    build just finished in. Spark's metastore cannot rename a database or
    move a table between databases, so the build alternates between two
    databases and the published one holds only views. Each view is
    replaced on its own: a reader during these seconds may see marts of two
    builds (docs/warehouses.md).
#}
{% macro publish_views(schema, build_schema) %}
    {% set exposure = graph.exposures.values()
        | selectattr('name', 'equalto', 'bi_tools') | first %}
    {% do run_query('create schema if not exists ' ~ adapter.quote(schema)) %}
    {% for node_id in exposure.depends_on.nodes %}
        {% set name = graph.nodes[node_id].name %}
        {% do run_query(
            'create or replace view ' ~ adapter.quote(schema) ~ '.' ~ adapter.quote(name)
            ~ ' as select * from ' ~ adapter.quote(build_schema) ~ '.'
            ~ adapter.quote(name)) %}
    {% endfor %}
    {% do log('Published ' ~ exposure.depends_on.nodes | length ~ ' views in '
        ~ schema ~ ' reading ' ~ build_schema, info=true) %}
{% endmacro %}
